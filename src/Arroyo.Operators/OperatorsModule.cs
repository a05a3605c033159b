using Arroyo.Dataflow.Specs;
using Arroyo.Execution;

namespace Arroyo.Operators;

/// <summary>Registers every operator of this assembly with the runtime: one line per spec type.</summary>
public static class OperatorsModule
{
    public static void Register(OperatorRegistry registry)
    {
        registry.Register<TumblingAggregateSpec>((spec, context) => new TumblingAggregate.TumblingAggregateOperator(spec, context.Functions));
        registry.Register<SlidingAggregateSpec>((spec, context) => new SlidingAggregate.SlidingAggregateOperator(spec, context.Functions));
        registry.Register<PartialAggregateSpec>((spec, context) => new PartialAggregate.PartialAggregateOperator(spec, context.Functions));
        registry.Register<UpdatingAggregateSpec>((spec, context) => new UpdatingAggregate.UpdatingAggregateOperator(spec, context.Functions));
        registry.Register<WindowFunctionSpec>((spec, context) => new WindowFunction.WindowFunctionOperator(spec, context.Functions));
        registry.Register<UnnestSpec>((spec, _) => new Unnest.UnnestOperator(spec));
        registry.Register<WindowedJoinSpec>((spec, _) => new WindowedJoin.WindowedJoinOperator(spec));
        registry.Register<WindowMaxRowsSpec>((spec, _) => new WindowMaxRows.WindowMaxRowsOperator(spec));
        registry.Register<UpdatingJoinSpec>((spec, _) => new UpdatingJoin.UpdatingJoinOperator(spec));
        registry.Register<LookupJoinSpec>((spec, context) => new LookupJoin.LookupJoinOperator(spec, registry.CreateLookupSource(spec, context)));
        registry.Register<UpdatingTopNSpec>((spec, context) => new UpdatingTopN.UpdatingTopNOperator(spec, context.Functions));
        registry.Register<SessionAggregateSpec>((spec, context) => new SessionAggregate.SessionAggregateOperator(spec, context.Functions));
    }
}
