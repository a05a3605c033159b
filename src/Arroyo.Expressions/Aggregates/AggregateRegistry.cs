using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Aggregates;

/// <summary>
/// Creates the accumulator of one aggregate call (<see cref="AggregateRegistry.AddUser"/>).
/// </summary>
public delegate GroupAccumulator AccumulatorFactory(AccumulatorRequest request);

/// <summary>
/// What an accumulator is built for: the resolved call, DISTINCT, constant parameters,
/// whether the input retracts, and whether it serves a GROUP BY without a window (see
/// <see cref="AggregateFactory.Create"/>).
/// </summary>
public sealed record AccumulatorRequest(FunctionRef Function, bool Distinct, IReadOnlyList<object?> Parameters, bool Retracting, bool UpdatingAggregate)
{
    /// <summary>
    /// <c>f(x ORDER BY y, …)</c>: the sort keys, whose columns follow the argument columns in
    /// <see cref="GroupAccumulator.Update"/>'s <c>args</c>. Empty when the call has no ORDER BY.
    /// </summary>
    public IReadOnlyList<AggregateOrdering> Ordering { get; init; } = [];
}

/// <summary>One ORDER BY key inside an aggregate call: its column's type and direction (nulls placed as <paramref name="NullsFirst"/> says).</summary>
public sealed record AggregateOrdering(DataType Type, bool Descending, bool NullsFirst);

/// <summary>
/// The aggregate functions one engine knows: which names are aggregates, their canonical
/// spelling, the result type for given argument types (DataFusion's rules), and the
/// accumulator for a resolved call. An instance travels with the plan's options and the
/// run's settings (inside a <see cref="FunctionLibrary"/>); user aggregates are added to it.
/// <para>Argument types are those of the aggregate's column arguments, in
/// <c>AggregateCall.Args</c> order: <c>approx_percentile_cont</c> → [x] (the percentile is a
/// constant parameter), <c>approx_percentile_cont_with_weight</c> → [x, weight],
/// <c>string_agg</c> → [x] (delimiter is a parameter), two-argument statistics → [y, x].</para>
/// </summary>
public sealed class AggregateRegistry
{
    /// <summary>A user aggregate: exact argument types (arguments are cast to them), a result type, an implementation if any.</summary>
    private sealed record UserAggregate(string Name, IReadOnlyList<DataType> Arguments, DataType Returns, AccumulatorFactory? Factory);

    // Every accepted spelling → canonical name.
    private readonly Dictionary<string, string> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, UserAggregate> _user = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A new registry holding every built-in aggregate.</summary>
    public static AggregateRegistry CreateBuiltins()
    {
        var r = new AggregateRegistry();
        foreach (var (spelling, canonical) in BuiltinSpellings) r._names[spelling] = canonical;
        return r;
    }

    private static IEnumerable<(string Spelling, string Canonical)> BuiltinSpellings =>
    [
        ("count", "count"),
        ("sum", "sum"),
        ("avg", "avg"),
        ("mean", "avg"),
        ("min", "min"),
        ("max", "max"),
        ("bool_and", "bool_and"),
        ("bool_or", "bool_or"),
        ("every", "bool_and"),
        ("bit_and", "bit_and"),
        ("bit_or", "bit_or"),
        ("bit_xor", "bit_xor"),
        ("stddev", "stddev_samp"),
        ("stddev_samp", "stddev_samp"),
        ("stddev_pop", "stddev_pop"),
        ("var", "var_samp"),
        ("variance", "var_samp"),
        ("var_samp", "var_samp"),
        ("var_pop", "var_pop"),
        ("variance_pop", "var_pop"),
        ("variance_samp", "var_samp"),
        ("corr", "corr"),
        ("covar", "covar_samp"),
        ("covar_samp", "covar_samp"),
        ("covar_pop", "covar_pop"),
        ("regr_slope", "regr_slope"),
        ("regr_intercept", "regr_intercept"),
        ("regr_count", "regr_count"),
        ("regr_r2", "regr_r2"),
        ("regr_avgx", "regr_avgx"),
        ("regr_avgy", "regr_avgy"),
        ("regr_sxx", "regr_sxx"),
        ("regr_syy", "regr_syy"),
        ("regr_sxy", "regr_sxy"),
        ("median", "median"),
        ("approx_distinct", "approx_distinct"),
        ("approx_median", "approx_median"),
        ("approx_percentile_cont", "approx_percentile_cont"),
        ("approx_percentile_cont_with_weight", "approx_percentile_cont_with_weight"),
        ("array_agg", "array_agg"),
        ("string_agg", "string_agg"),
        ("first_value", "first_value"),
        ("last_value", "last_value"),
    ];

    /// <summary>
    /// Adds (or replaces) a user-defined aggregate over columns of exactly <paramref name="arguments"/>.
    /// Without <paramref name="implementation"/> it plans but fails when a subtask builds its accumulator.
    /// </summary>
    public AggregateRegistry AddUser(string name, IReadOnlyList<DataType> arguments, DataType returns, AccumulatorFactory? implementation = null)
    {
        var canonical = name.ToLowerInvariant();
        _names[name] = canonical;
        _user[canonical] = new UserAggregate(canonical, arguments.ToArray(), returns, implementation);
        return this;
    }

    /// <summary>Every accepted spelling (for "did you mean").</summary>
    public IEnumerable<string> Names => _names.Keys;

    public bool IsAggregate(string name) => _names.ContainsKey(name);

    /// <summary>The declared argument types of a user aggregate, or null for a built-in (or unknown) name.</summary>
    public IReadOnlyList<DataType>? UserArguments(string name) =>
        _names.TryGetValue(name, out var canonical) && _user.TryGetValue(canonical, out var user) ? user.Arguments : null;

    /// <summary>The canonical lower-case name (<c>stddev</c> → <c>stddev_samp</c>); throws for unknown names.</summary>
    public string CanonicalName(string name, SourceSpan span = default) =>
        _names.TryGetValue(name, out var canonical)
            ? canonical
            : throw new UserException($"Invalid function '{name}'.{Suggestions.DidYouMean(name, Names)}", span);

    /// <summary>
    /// Whether an ORDER BY inside the call changes the result (as in DataFusion: array_agg,
    /// string_agg, first_value, last_value); for the others it is ignored.
    /// </summary>
    public static bool IsOrderSensitive(string canonical) => canonical is "array_agg" or "string_agg" or "first_value" or "last_value";

    /// <summary>Number of constant parameters after the column arguments (percentile, delimiter).</summary>
    public int ParameterCount(string name) => CanonicalName(name) switch
    {
        "approx_percentile_cont" or "approx_percentile_cont_with_weight" or "string_agg" => 1,
        _ => 0,
    };

    /// <summary>The call of <paramref name="name"/> over columns of <paramref name="argTypes"/>, resolved (name canonical, result type computed).</summary>
    public FunctionRef Bind(string name, IReadOnlyList<DataType> argTypes, SourceSpan span = default)
    {
        var canonical = CanonicalName(name, span);
        return new FunctionRef(canonical, argTypes.ToArray(), ResolveReturnType(canonical, argTypes, span));
    }

    /// <summary>The accumulator for a call this registry bound.</summary>
    public GroupAccumulator CreateAccumulator(AccumulatorRequest request)
    {
        var function = request.Function;
        if (_user.TryGetValue(function.Name, out var user))
        {
            return user.Factory?.Invoke(request)
                   ?? throw new UserException($"user-defined aggregate '{user.Name}' has no implementation registered in this engine");
        }
        if (!_names.TryGetValue(function.Name, out var canonical) || canonical != function.Name)
        {
            throw new UserException($"aggregate '{function.Name}' is not registered in this engine (the plan calls {function.Signature})");
        }
        if (request.Ordering.Count > 0 && IsOrderSensitive(function.Name))
        {
            return new ValueBagAccumulator(function.Name, function.Arguments, request.Distinct, request.Parameters, function.Returns, request.Ordering);
        }
        return AggregateFactory.Create(function.Name, function.Arguments, request.Distinct, request.Parameters, function.Returns,
            request.Retracting, request.UpdatingAggregate);
    }

    /// <summary>
    /// The result type of <paramref name="name"/> over column arguments of <paramref name="argTypes"/>,
    /// as DataFusion: count → BIGINT; sum of signed ints → BIGINT, of unsigned → BIGINT UNSIGNED,
    /// of floats → DOUBLE, of DECIMAL(p,s) → DECIMAL(min(38,p+10), s); avg → DOUBLE (decimal:
    /// DECIMAL(min(38,p+4), min(38,s+4))); min/max/median/approx_median/approx_percentile_* /
    /// first/last_value → the argument's type; statistics → DOUBLE; regr_count and
    /// approx_distinct → BIGINT UNSIGNED; array_agg → T[]; string_agg → TEXT.
    /// </summary>
    public DataType ResolveReturnType(string name, IReadOnlyList<DataType> argTypes, SourceSpan span = default)
    {
        var canonical = CanonicalName(name, span);
        if (_user.TryGetValue(canonical, out var user)) return user.Returns;
        switch (canonical)
        {
            case "count":
                return DataType.Int64;
            case "sum":
                Arity(1);
                return SumType(Numeric(0));
            case "avg":
                Arity(1);
                var avgArg = Numeric(0);
                return avgArg.Kind == TypeKind.Decimal
                    ? DataType.Decimal(Math.Min(38, avgArg.Precision + 4), Math.Min(38, avgArg.Scale + 4))
                    : DataType.Float64;
            case "min" or "max" or "first_value" or "last_value":
                Arity(1);
                return argTypes[0];
            case "bool_and" or "bool_or":
                Arity(1);
                if (argTypes[0].Kind is not (TypeKind.Boolean or TypeKind.Null)) Fail($"{canonical} expects a BOOLEAN argument, not {argTypes[0]}");
                return DataType.Boolean;
            case "bit_and" or "bit_or" or "bit_xor":
                Arity(1);
                if (!argTypes[0].IsInteger) Fail($"{canonical} expects an integer argument, not {argTypes[0]}");
                return argTypes[0];
            case "stddev_samp" or "stddev_pop" or "var_samp" or "var_pop":
                Arity(1);
                Numeric(0);
                return DataType.Float64;
            case "corr" or "covar_samp" or "covar_pop" or "regr_slope" or "regr_intercept" or "regr_r2"
                or "regr_avgx" or "regr_avgy" or "regr_sxx" or "regr_syy" or "regr_sxy":
                Arity(2);
                Numeric(0);
                Numeric(1);
                return DataType.Float64;
            case "regr_count":
                Arity(2);
                Numeric(0);
                Numeric(1);
                return DataType.UInt64;
            case "median" or "approx_median" or "approx_percentile_cont":
                Arity(1);
                return Numeric(0);
            case "approx_percentile_cont_with_weight":
                Arity(2);
                Numeric(1);
                return Numeric(0);
            case "approx_distinct":
                Arity(1);
                return DataType.UInt64;
            case "array_agg":
                Arity(1);
                return DataType.List(argTypes[0]);
            case "string_agg":
                Arity(1);
                if (argTypes[0].Kind is not (TypeKind.Utf8 or TypeKind.Null)) Fail($"string_agg expects a TEXT argument, not {argTypes[0]}");
                return DataType.Utf8;
            default:
                throw new InvalidOperationException($"aggregate {canonical} has no return type rule (this is a bug)");
        }

        void Arity(int expected)
        {
            if (argTypes.Count != expected)
            {
                Fail($"{canonical} expects {expected} argument{(expected == 1 ? "" : "s")}, got {argTypes.Count}");
            }
        }

        DataType Numeric(int index)
        {
            var t = argTypes[index];
            if (t.Kind == TypeKind.Null) return DataType.Float64;
            if (!t.IsNumeric) Fail($"{canonical} does not support argument type {t}");
            return t;
        }

        void Fail(string message) => throw new UserException(message, span);
    }

    private static DataType SumType(DataType arg) => arg.Kind switch
    {
        TypeKind.Decimal => DataType.Decimal(Math.Min(38, arg.Precision + 10), arg.Scale),
        _ when arg.IsSignedInteger => DataType.Int64,
        _ when arg.IsUnsignedInteger => DataType.UInt64,
        _ => DataType.Float64,
    };
}
