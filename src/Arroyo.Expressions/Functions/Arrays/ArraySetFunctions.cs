using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Kernels;
using static Arroyo.Expressions.Functions.ArrayEditFunctions;
using static Arroyo.Expressions.Functions.ArraySignature;

namespace Arroyo.Expressions.Functions;

/// <summary>
/// Two arrays compared as sets: containment tests and union / intersect / except. As in
/// DataFusion the results hold each value once, in the order it first appears (left array
/// first), and NULL elements equal each other.
/// </summary>
internal static class ArraySetFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.AddCustom("array_has_all", "array_has_all(ARRAY, ARRAY)", Bind("array_has_all", "LL", _ => DataType.Boolean),
            Fn.Rows(a => Set(a[0]).IsSupersetOf(Set(a[1]))));
        r.AddCustom("array_has_any", "array_has_any(ARRAY, ARRAY)", Bind("array_has_any", "LL", _ => DataType.Boolean),
            Fn.Rows(a => Set(a[0]).Overlaps(Set(a[1]))));
        r.AddCustom("array_union", "array_union(ARRAY, ARRAY)", Bind("array_union", "LL", t => t),
            Fn.Rows(a => Distinct(List(a[0]).Concat(List(a[1])))));
        r.AddCustom("array_intersect", "array_intersect(ARRAY, ARRAY)", Bind("array_intersect", "LL", t => t), Fn.Rows(a =>
        {
            var right = Set(a[1]);
            return Distinct(List(a[0]).Where(right.Contains));
        }));
        r.AddCustom("array_except", "array_except(ARRAY, ARRAY)", Bind("array_except", "LL", t => t), Fn.Rows(a =>
        {
            var right = Set(a[1]);
            return Distinct(List(a[0]).Where(e => !right.Contains(e)));
        }));
    }

    private static HashSet<object?> Set(object? list) => new(List(list), ValueComparer.Instance);

    private static object?[] Distinct(IEnumerable<object?> values) => values.Distinct(ValueComparer.Instance).ToArray();
}
