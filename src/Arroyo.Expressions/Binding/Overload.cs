using Arroyo.Core.Types;
using Arroyo.Expressions.Bound;

namespace Arroyo.Expressions.Binding;

/// <summary>
/// One signature of a function: its parameters (the last repeated when <see cref="Variadic"/>),
/// the return type from the coerced argument types, and the kernel factory.
/// </summary>
internal sealed class Overload
{
    public Overload(Param[] parameters, Func<DataType[], DataType> returnType, ScalarKernelFactory factory, bool variadic = false, int minArgs = -1)
    {
        Parameters = parameters;
        ReturnType = returnType;
        Factory = factory;
        Variadic = variadic;
        MinArgs = minArgs >= 0 ? minArgs : variadic ? Math.Max(1, parameters.Length) : parameters.Length;
    }

    public Param[] Parameters { get; }

    public Func<DataType[], DataType> ReturnType { get; }

    public ScalarKernelFactory Factory { get; }

    public bool Variadic { get; }

    /// <summary>Fewest arguments accepted (trailing parameters past it are optional).</summary>
    public int MinArgs { get; }

    /// <summary>The types to cast the arguments to, or null when this overload does not apply.</summary>
    public DataType[]? Match(IReadOnlyList<BoundExpr> args) => Match(args.Select(a => a.Type).ToArray());

    /// <summary>The types to cast arguments of <paramref name="args"/> to, or null when this overload does not apply.</summary>
    public DataType[]? Match(IReadOnlyList<DataType> args)
    {
        if (args.Count < MinArgs) return null;
        if (!Variadic && args.Count > Parameters.Length) return null;
        if (Parameters.Length == 0) return args.Count == 0 ? [] : null;
        var types = new DataType[args.Count];
        for (var i = 0; i < args.Count; i++)
        {
            var p = Parameters[Math.Min(i, Parameters.Length - 1)];
            var t = p.Accept(args[i]);
            if (t is null) return null;
            types[i] = t;
        }
        return types;
    }

    /// <summary>
    /// How many arguments would need a cast (fewer is a better match); a cast that loses the
    /// fraction (a float or decimal to an integer) counts as many, so power(DOUBLE, BIGINT) picks
    /// the DOUBLE signature rather than truncating its first argument.
    /// </summary>
    public static int Cost(IReadOnlyList<BoundExpr> args, DataType[] types)
    {
        var cost = 0;
        for (var i = 0; i < types.Length; i++)
        {
            var from = args[i].Type;
            if (from == types[i]) continue;
            cost += (from.IsFloat || from.Kind == TypeKind.Decimal) && types[i].IsInteger ? 100 : 1;
        }
        return cost;
    }

    public string Describe(string name)
    {
        var ps = Parameters.Select(p => p.Display).ToList();
        if (Variadic) ps.Add("...");
        else for (var i = MinArgs; i < ps.Count; i++) ps[i] = "[" + ps[i] + "]";
        return $"{name}({string.Join(", ", ps)})";
    }
}
