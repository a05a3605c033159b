using Arroyo.Dataflow.Serialization;
using System.Globalization;
using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Core.Time;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Builtin.Impulse;

/// <summary>
/// <paramref name="EventRate"/>: events per second over all subtasks (each subtask emits
/// rate / parallelism, as the reference). <paramref name="EventTimeInterval"/>: nanoseconds
/// between consecutive event times of a subtask (the reference's unit); null = processing
/// time. <paramref name="MessageCount"/>: events per subtask, null = unbounded.
/// </summary>
public sealed record ImpulseConfig(double EventRate, long? EventTimeInterval, long? MessageCount) : ConnectorConfig;

/// <summary>The periodic demo source: <c>counter</c> from 0 and <c>subtask_index</c> per subtask.</summary>
public sealed class ImpulseConnector : ConnectorBase, IConnectorRuntime
{
    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(BuiltinConnectorsJsonContext.Default).AddDerived<ConnectorConfig, ImpulseConfig>(Name);

    public static readonly IReadOnlyList<Field> Fields =
    [
        new("counter", DataType.UInt64, Nullable: false),
        new("subtask_index", DataType.UInt64, Nullable: false),
    ];

    public override string Name => "impulse";

    public override ConnectorRoles Roles => ConnectorRoles.Source;

    protected override FormatKind? DefaultFormat => null;

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        var rate = options.Double("event_rate") ??
                   throw options.Missing("event_rate", "the impulse connector requires the option \'event_rate\' (events per second)", "add event_rate = '10' to the WITH clause");
        if (rate < 0) throw options.Invalid("event_rate", rate.ToString(CultureInfo.InvariantCulture), "a float ≥ 0");
        var interval = options.Long("event_time_interval");
        if (interval is < 0) throw options.Invalid("event_time_interval", interval.Value.ToString(CultureInfo.InvariantCulture), "an integer ≥ 0 (nanoseconds)");
        var count = options.Long("message_count");
        if (count is < 0) throw options.Invalid("message_count", count.Value.ToString(CultureInfo.InvariantCulture), "an integer ≥ 0");
        CheckFixedSchema(definition, Fields, Name);
        var description = (count is null ? "" : "Bounded") + $"Impulse<{rate.ToString(CultureInfo.InvariantCulture)} eps" +
                          (interval is { } i ? $", {Nanoseconds.ToTimeSpan(i).TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms" : "") + ">";
        return new BoundParts(Fields, new ImpulseConfig(rate, interval, count), description)
        {
            IsBounded = count is not null,
            HasFixedSchema = true,
            UsesFormat = false,
        };
    }

    public ISource CreateSource(SourceSpec spec, OperatorContext context) =>
        new ImpulseSource((ImpulseConfig)spec.Table.Config, spec.Output, context);
}
