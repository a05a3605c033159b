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
        registry.Register<ProjectionSpec>((spec, _) => new ProjectionOperator(spec));
        registry.Register<FilterSpec>((spec, _) => new FilterOperator(spec));
        registry.Register<WatermarkSpec>((spec, _) => new WatermarkOperator(spec));
    }
}
