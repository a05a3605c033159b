using System.Globalization;
using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Dataflow.Serialization;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Kinesis;

/// <summary>
/// The <c>kinesis</c> connector: a source reading every shard of a stream (shards spread over
/// subtasks, sequence numbers checkpointed, resharding followed) and a sink writing with
/// PutRecords in batches. Options and defaults as the reference's kinesis table
/// (crates/arroyo-connectors/src/kinesis).
/// </summary>
public sealed class KinesisConnector : ConnectorBase, IConnectorRuntime
{
    private static readonly string[] s_offsets = ["latest", "earliest"];

    public override string Name => "kinesis";

    public override ConnectorRoles Roles => ConnectorRoles.Source | ConnectorRoles.Sink;

    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(KinesisJsonContext.Default).AddDerived<ConnectorConfig, KinesisTableConfig>(Name);

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        var stream = options.RequiredString("stream_name");
        var region = options.String("aws_region");
        role = RequireSourceOrSink(role, definition);
        var config = new KinesisTableConfig(stream, role == TableRole.Source) { Region = region };
        if (role == TableRole.Source)
        {
            config = config with
            {
                StartOffset = options.Choice("source.offset", s_offsets) == "earliest" ? KinesisStartOffset.Earliest : KinesisStartOffset.Latest,
            };
        }
        else
        {
            config = config with
            {
                FlushIntervalMillis = Bounded(options, "sink.flush_interval_millis", 0, long.MaxValue) ?? config.FlushIntervalMillis,
                // Kinesis' own limits for one PutRecords call.
                MaxBytesPerBatch = Bounded(options, "sink.max_bytes_per_batch", 1, 4_000_000) ?? config.MaxBytesPerBatch,
                MaxRecordsPerBatch = Bounded(options, "sink.max_records_per_batch", 1, 500) ?? config.MaxRecordsPerBatch,
            };
        }
        return new BoundParts(definition.Columns, config, $"Kinesis{(role == TableRole.Source ? "Source" : "Sink")}<{stream}>");
    }

    private static long? Bounded(OptionReader options, string name, long min, long max)
    {
        var expected = max == long.MaxValue ? $"an integer >= {min}" : $"an integer from {min} to {max}";
        var value = options.Long(name, expected);
        if (value is { } v && (v < min || v > max)) throw options.Invalid(name, v.ToString(CultureInfo.InvariantCulture), expected);
        return value;
    }

    public ISource CreateSource(SourceSpec spec, OperatorContext context) => new KinesisSource(spec, context);

    public IOperator CreateSink(SinkSpec spec, OperatorContext context) => new KinesisSink(spec, context);
}
