using Arroyo.Dataflow;

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

    public void Register<TSpec>(Func<TSpec, OperatorContext, IOperator> factory) where TSpec : OperatorSpec =>
        _operators[typeof(TSpec)] = (spec, context) => factory((TSpec)spec, context);

    public void RegisterSource<TSpec>(Func<TSpec, OperatorContext, ISource> factory) where TSpec : OperatorSpec =>
        _sources[typeof(TSpec)] = (spec, context) => factory((TSpec)spec, context);

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
