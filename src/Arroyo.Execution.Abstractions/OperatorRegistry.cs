using Arroyo.Dataflow;
using Specs = Arroyo.Dataflow.Specs;

namespace Arroyo.Execution;

/// <summary>
/// Builds operator instances from specs. Each operator assembly registers its spec types
/// (see <c>OperatorsModule.Register</c> / <c>ConnectorsModule.Register</c>); the runtime calls
/// a factory once per subtask.
/// </summary>
public sealed class OperatorRegistry
{
    private readonly Dictionary<Type, Func<OperatorSpec, OperatorContext, IOperator>> _operators = new();
    private readonly Dictionary<Type, Func<OperatorSpec, OperatorContext, ISource>> _sources = new();
    private readonly Dictionary<Type, Func<Specs.LookupJoinSpec, OperatorContext, ILookupSource>> _lookups = new();

    public void Register<TSpec>(Func<TSpec, OperatorContext, IOperator> factory) where TSpec : OperatorSpec =>
        _operators[typeof(TSpec)] = (spec, context) => factory((TSpec)spec, context);

    public void RegisterSource<TSpec>(Func<TSpec, OperatorContext, ISource> factory) where TSpec : OperatorSpec =>
        _sources[typeof(TSpec)] = (spec, context) => factory((TSpec)spec, context);

    /// <summary>
    /// Registers how lookup joins reading a <typeparamref name="TTable"/> fetch their rows (the
    /// connector SDK registers its tables; the lookup-join operator asks through <see cref="CreateLookupSource"/>).
    /// </summary>
    public void RegisterLookupSource<TTable>(Func<TTable, Specs.LookupJoinSpec, OperatorContext, ILookupSource> factory)
        where TTable : Specs.LookupTableRef =>
        _lookups[typeof(TTable)] = (spec, context) => factory((TTable)spec.Table, spec, context);

    public ILookupSource CreateLookupSource(Specs.LookupJoinSpec spec, OperatorContext context) =>
        _lookups.TryGetValue(spec.Table.GetType(), out var factory)
            ? factory(spec, context)
            : throw new InvalidOperationException($"no lookup source registered for {spec.Table.GetType().Name} (this is a bug)");

    public bool IsSource(OperatorSpec spec) => _sources.ContainsKey(spec.GetType());

    public IOperator CreateOperator(OperatorSpec spec, OperatorContext context) =>
        _operators.TryGetValue(spec.GetType(), out var factory)
            ? factory(spec, context)
            : throw new InvalidOperationException($"no operator registered for {spec.GetType().Name} (this is a bug)");

    public ISource CreateSource(OperatorSpec spec, OperatorContext context) =>
        _sources.TryGetValue(spec.GetType(), out var factory)
            ? factory(spec, context)
            : throw new InvalidOperationException($"no source registered for {spec.GetType().Name} (this is a bug)");
}
