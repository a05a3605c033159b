using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Kernels;

namespace Arroyo.Expressions.Functions;

/// <summary>coalesce, nullif, nvl, nvl2, greatest, least: arguments are coerced to their common type.</summary>
internal static class ConditionalFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.AddCustom("coalesce", "coalesce(ANY, ...)", Common(1, int.MaxValue, "coalesce"), (_, ret) => Fn.Kernel((args, n) => Coalesce(args, n, ret)));
        r.AddCustom("nvl", "nvl(ANY, ANY)", Common(2, 2, "nvl"), (_, ret) => Fn.Kernel((args, n) => Coalesce(args, n, ret)));
        r.Alias("ifnull", "nvl");
        r.AddCustom("nullif", "nullif(ANY, ANY)", Common(2, 2, "nullif"), (_, ret) => Fn.Kernel((args, n) =>
            RowKernel.Run(args, n, a => a[0] is null || (a[1] is not null && ValueComparer.Instance.Compare(a[0], a[1]) == 0) ? null : a[0], ret, false)));
        r.AddCustom("nvl2", "nvl2(ANY, ANY, ANY)", (args, span) =>
        {
            if (args.Count != 3) throw new UserException("nvl2 takes 3 arguments", span);
            var t = Coercion.CommonType(args[1].Type, args[2].Type) ?? throw new UserException($"nvl2: {args[1].Type} and {args[2].Type} have no common type", span);
            return ([args[0], Coercion.CastTo(args[1], t), Coercion.CastTo(args[2], t)], t);
        }, (_, ret) => Fn.Kernel((args, n) => RowKernel.Run(args, n, a => a[0] is not null ? a[1] : a[2], ret, false)));
        r.AddCustom("greatest", "greatest(ANY, ...)", Common(1, int.MaxValue, "greatest"), (_, ret) => Fn.Kernel((args, n) =>
            RowKernel.Run(args, n, a => a.Where(x => x is not null).DefaultIfEmpty(null).Max(ValueComparer.Instance), ret, false)));
        r.AddCustom("least", "least(ANY, ...)", Common(1, int.MaxValue, "least"), (_, ret) => Fn.Kernel((args, n) =>
            RowKernel.Run(args, n, a => a.Where(x => x is not null).DefaultIfEmpty(null).Min(ValueComparer.Instance), ret, false)));
    }

    internal static FunctionRegistry.CustomBinder Common(int min, int max, string name) => (args, span) =>
    {
        if (args.Count < min || args.Count > max)
        {
            throw new UserException($"function '{name}' takes {(min == max ? min.ToString() : $"at least {min}")} argument(s), got {args.Count}", span);
        }
        var type = Coercion.CommonType(args.Select(a => a.Type))
                   ?? throw new UserException($"function '{name}': arguments of types {string.Join(", ", args.Select(a => a.Type))} have no common type", span);
        return (args.Select(a => Coercion.CastTo(a, type)).ToArray(), type);
    };

    /// <summary>First non-NULL argument per row; takes whole columns when no row needs a later one.</summary>
    private static Column Coalesce(Column[] args, int n, DataType type)
    {
        if (args[0].Validity is null && args[0] is not NullColumn) return args[0];
        var builder = ColumnBuilder.Create(type, n);
        for (var i = 0; i < n; i++)
        {
            var appended = false;
            foreach (var c in args)
            {
                if (c is NullColumn || !c.IsValid(i)) continue;
                builder.AppendFrom(c, i);
                appended = true;
                break;
            }
            if (!appended) builder.AppendNull();
        }
        return builder.Build();
    }
}
