using System.Text.Json.Serialization;

namespace Arroyo.Web.Api;

/// <summary>
/// The API's bodies serialised by generated code: a run's server then starts and answers
/// without building serializers by reflection (which cost a few tenths of a CPU-second of JIT
/// at every start).
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(Collection<Pipeline>))]
[JsonSerializable(typeof(Pipeline))]
[JsonSerializable(typeof(PipelinePatch))]
[JsonSerializable(typeof(Collection<Job>))]
[JsonSerializable(typeof(Collection<JobLogMessage>))]
[JsonSerializable(typeof(Collection<Checkpoint>))]
[JsonSerializable(typeof(Collection<OperatorCheckpointGroup>))]
[JsonSerializable(typeof(Collection<OperatorMetricGroup>))]
[JsonSerializable(typeof(Collection<OperatorMetricsNow>))]
[JsonSerializable(typeof(ApiError))]
[JsonSerializable(typeof(HealthStatus))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
