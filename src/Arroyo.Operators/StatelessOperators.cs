using Arroyo.Dataflow.Specs;
using Arroyo.Execution;
using Arroyo.Operators.Filter;
using Arroyo.Operators.Projection;
using Arroyo.Operators.WatermarkGenerator;

namespace Arroyo.Operators;

/// <summary>Registers the row-wise operators: projection, filter, watermark generation.</summary>
public static class StatelessOperators
{
    public static void Register(OperatorRegistry registry)
    {
        registry.Register<ProjectionSpec>((spec, context) => new ProjectionOperator(spec, context.Functions));
        registry.Register<FilterSpec>((spec, context) => new FilterOperator(spec, context.Functions));
        registry.Register<WatermarkSpec>((spec, context) => new WatermarkOperator(spec, context.Functions));
    }
}
