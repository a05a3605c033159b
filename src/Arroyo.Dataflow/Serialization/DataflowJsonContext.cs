using System.Text.Json.Serialization;
using Arroyo.Dataflow.Specs;

namespace Arroyo.Dataflow.Serialization;

/// <summary>Source-generated JSON metadata for the graph and this project's specs (used through <see cref="PlanJson"/>).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(DataflowGraph))]
[JsonSerializable(typeof(OperatorSpec))]
[JsonSerializable(typeof(ProjectionSpec))]
[JsonSerializable(typeof(FilterSpec))]
[JsonSerializable(typeof(WatermarkSpec))]
[JsonSerializable(typeof(TumblingAggregateSpec))]
[JsonSerializable(typeof(SlidingAggregateSpec))]
[JsonSerializable(typeof(PartialAggregateSpec))]
[JsonSerializable(typeof(SessionAggregateSpec))]
[JsonSerializable(typeof(UpdatingAggregateSpec))]
[JsonSerializable(typeof(WindowFunctionSpec))]
[JsonSerializable(typeof(UpdatingTopNSpec))]
[JsonSerializable(typeof(UnnestSpec))]
[JsonSerializable(typeof(WindowedJoinSpec))]
[JsonSerializable(typeof(WindowMaxRowsSpec))]
[JsonSerializable(typeof(UpdatingJoinSpec))]
[JsonSerializable(typeof(LookupJoinSpec))]
[JsonSerializable(typeof(LookupTableRef))]
[JsonSerializable(typeof(ColumnUsage))]
internal sealed partial class DataflowJsonContext : JsonSerializerContext;
