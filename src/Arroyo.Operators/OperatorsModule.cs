using Arroyo.Dataflow.Specs;
using Arroyo.Execution;

namespace Arroyo.Operators;

/// <summary>Registers every operator of this assembly with the runtime: one line per spec type.</summary>
public static class OperatorsModule
{
    public static void Register(OperatorRegistry registry)
    {
        registry.Register<TumblingAggregateSpec>((spec, _) => new TumblingAggregate.TumblingAggregateOperator(spec));
        registry.Register<SlidingAggregateSpec>((spec, _) => new SlidingAggregate.SlidingAggregateOperator(spec));
        registry.Register<UpdatingAggregateSpec>((spec, _) => new UpdatingAggregate.UpdatingAggregateOperator(spec));
        registry.Register<WindowFunctionSpec>((spec, _) => new WindowFunction.WindowFunctionOperator(spec));
        registry.Register<UnnestSpec>((spec, _) => new Unnest.UnnestOperator(spec));
        registry.Register<WindowedJoinSpec>((spec, _) => new WindowedJoin.WindowedJoinOperator(spec));
        registry.Register<UpdatingJoinSpec>((spec, _) => new UpdatingJoin.UpdatingJoinOperator(spec));
        registry.Register<SessionAggregateSpec>((spec, _) => new SessionAggregate.SessionAggregateOperator(spec));
    }
}
