using System.Collections;
using System.Reflection;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Dataflow;
using Arroyo.Expressions;
using Arroyo.Expressions.Bound;

namespace Arroyo.Planner.Physical;

/// <summary>
/// Whether two operator specs do the same thing: equal member by member (lists element by
/// element, expressions node by node), ignoring where in the SQL text they came from. A spec
/// with a volatile expression (random(), now(), …) equals nothing, not even itself: each use
/// of such an expression is its own evaluation.
/// </summary>
internal static class SpecEquality
{
    private static readonly Dictionary<Type, PropertyInfo[]> s_properties = new();

    public static bool Same(OperatorSpec a, OperatorSpec b) => Equal(a, b, depth: 0);

    private static bool Equal(object? a, object? b, int depth)
    {
        if (depth > 64) return false; // unexpectedly deep: do not risk merging
        if (a is null || b is null) return a is null && b is null;
        if (a.GetType() != b.GetType()) return false;
        switch (a)
        {
            case BoundExpr e when e.IsVolatile:
                return false;
            case string or DataType or Field or Enum or SourceSpan or ScalarFunction or Delegate:
                return a is SourceSpan || a.Equals(b) || ReferenceEquals(a, b);
            case IConvertible:
                return a.Equals(b);
            case Schema sa:
                return Equal(sa.Fields, ((Schema)b).Fields, depth + 1);
            case IEnumerable ea:
                var eb = ((IEnumerable)b).GetEnumerator();
                foreach (var item in ea)
                {
                    if (!eb.MoveNext() || !Equal(item, eb.Current, depth + 1)) return false;
                }
                return !eb.MoveNext();
        }
        foreach (var property in PropertiesOf(a.GetType()))
        {
            if (!Equal(property.GetValue(a), property.GetValue(b), depth + 1)) return false;
        }
        return true;
    }

    private static PropertyInfo[] PropertiesOf(Type type)
    {
        lock (s_properties)
        {
            if (!s_properties.TryGetValue(type, out var properties))
            {
                properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                    .Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
                    .ToArray();
                s_properties[type] = properties;
            }
            return properties;
        }
    }
}
