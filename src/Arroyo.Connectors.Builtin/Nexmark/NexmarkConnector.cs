using Arroyo.Dataflow.Serialization;
using System.Globalization;
using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Builtin.Nexmark;

/// <summary>
/// <paramref name="EventRate"/>: events per second over all subtasks. <paramref name="Runtime"/>:
/// seconds after which the source ends (reference option). <paramref name="MessageCount"/>:
/// our extension for benchmarks: total events over all subtasks, then the source ends.
/// </summary>
public sealed record NexmarkConfig(double EventRate, double? Runtime, long? MessageCount) : ConnectorConfig;

/// <summary>The Nexmark auction generator: one of <c>person</c>, <c>auction</c>, <c>bid</c> is set per row.</summary>
public sealed class NexmarkConnector : ConnectorBase, IConnectorRuntime
{
    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(BuiltinConnectorsJsonContext.Default).AddDerived<ConnectorConfig, NexmarkConfig>(Name);

    public static readonly DataType PersonType = DataType.Struct(
    [
        new("id", DataType.Int64, false),
        new("name", DataType.Utf8, false),
        new("email_address", DataType.Utf8, false),
        new("credit_card", DataType.Utf8, false),
        new("city", DataType.Utf8, false),
        new("state", DataType.Utf8, false),
        new("datetime", DataType.Timestamp, false),
        new("extra", DataType.Utf8, false),
    ]);

    public static readonly DataType AuctionType = DataType.Struct(
    [
        new("id", DataType.Int64, false),
        new("description", DataType.Utf8, false),
        new("item_name", DataType.Utf8, false),
        new("initial_bid", DataType.Int64, false),
        new("reserve", DataType.Int64, false),
        new("datetime", DataType.Timestamp, false),
        new("expires", DataType.Timestamp, false),
        new("seller", DataType.Int64, false),
        new("category", DataType.Int64, false),
        new("extra", DataType.Utf8, false),
    ]);

    public static readonly DataType BidType = DataType.Struct(
    [
        new("auction", DataType.Int64, false),
        new("bidder", DataType.Int64, false),
        new("price", DataType.Int64, false),
        new("channel", DataType.Utf8, false),
        new("url", DataType.Utf8, false),
        new("datetime", DataType.Timestamp, false),
        new("extra", DataType.Utf8, false),
    ]);

    public static readonly IReadOnlyList<Field> Fields =
    [
        new("person", PersonType, true),
        new("auction", AuctionType, true),
        new("bid", BidType, true),
    ];

    public override string Name => "nexmark";

    public override ConnectorRoles Roles => ConnectorRoles.Source;

    protected override FormatKind? DefaultFormat => null;

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        var rate = options.Double("event_rate") ??
                   throw options.Missing("event_rate", "the nexmark connector requires the option \'event_rate\' (events per second)", "add event_rate = '1000' to the WITH clause");
        if (rate <= 0) throw options.Invalid("event_rate", rate.ToString(CultureInfo.InvariantCulture), "a float > 0");
        var runtime = options.Double("runtime");
        if (runtime is < 0) throw options.Invalid("runtime", runtime.Value.ToString(CultureInfo.InvariantCulture), "seconds ≥ 0");
        var count = options.Long("message_count");
        if (count is < 0) throw options.Invalid("message_count", count.Value.ToString(CultureInfo.InvariantCulture), "an integer ≥ 0");
        CheckFixedSchema(definition, Fields, Name);
        var bounded = runtime is not null || count is not null;
        var description = (bounded ? "Bounded" : "") + $"Nexmark<{rate.ToString(CultureInfo.InvariantCulture)} eps>";
        return new BoundParts(Fields, new NexmarkConfig(rate, runtime, count), description)
        {
            IsBounded = bounded,
            HasFixedSchema = true,
            UsesFormat = false,
        };
    }

    public ISource CreateSource(SourceSpec spec, OperatorContext context) =>
        new NexmarkSource((NexmarkConfig)spec.Table.Config, spec.Output, context, spec.Usage);
}
