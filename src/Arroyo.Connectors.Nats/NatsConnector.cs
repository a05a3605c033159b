using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Dataflow.Serialization;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Nats;

/// <summary>
/// The <c>nats</c> connector: a source reading a core NATS subject or a JetStream stream, and
/// a sink publishing to a subject. Options, defaults and roles as the reference's nats table
/// and connection schemas (crates/arroyo-connectors/src/nats) read them from WITH.
/// </summary>
public sealed class NatsConnector : ConnectorBase, IConnectorRuntime
{
    private static readonly string[] s_auth = ["none", "credentials", "jwt"];
    private static readonly string[] s_ackPolicies = ["explicit", "none", "all"];
    private static readonly string[] s_replayPolicies = ["original", "instant"];

    public override string Name => "nats";

    public override ConnectorRoles Roles => ConnectorRoles.Source | ConnectorRoles.Sink;

    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(NatsJsonContext.Default).AddDerived<ConnectorConfig, NatsTableConfig>(Name);

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        var servers = options.RequiredString("servers").Trim();
        if (servers.Split(',').Any(s => s.Trim().Length == 0))
        {
            throw options.Invalid("servers", servers, "a comma-separated list of NATS servers such as 'nats-1:4222,nats-2:4222'");
        }
        var config = new NatsTableConfig(servers, role == TableRole.Source);
        config = ReadAuth(options, config);
        role = RequireSourceOrSink(role, definition);
        string description;
        if (role == TableRole.Source)
        {
            var stream = options.String("stream");
            var subject = options.String("subject");
            if (stream is not null && subject is not null)
            {
                throw new UserException("exactly one of `stream` or `subject` must be set for a nats source", definition.SpanOf("subject"));
            }
            if (stream is null && subject is null)
            {
                throw options.Missing("stream", $"one of `stream` (JetStream) or `subject` (core NATS) must be set for the nats source '{definition.Name}'",
                    "add stream = '…' or subject = '…' to the WITH clause");
            }
            config = config with { Stream = stream, Subject = subject };
            if (stream is not null) config = config with { Consumer = ReadConsumer(options) };
            description = $"NatsSource<{stream ?? subject}>";
        }
        else
        {
            var subject = options.String("subject") ?? throw options.Missing("subject", $"`subject` must be set for the nats sink '{definition.Name}'",
                "add subject = '…' to the WITH clause");
            config = config with { Subject = subject };
            description = $"NatsSink<{subject}>";
        }
        return new BoundParts(definition.Columns, config, description);
    }

    private static NatsTableConfig ReadAuth(OptionReader options, NatsTableConfig config) =>
        options.Choice("auth.type", s_auth) switch
        {
            "credentials" => config with
            {
                Auth = NatsAuthType.Credentials,
                Username = options.RequiredString("auth.username"),
                Password = options.RequiredString("auth.password"),
            },
            "jwt" => config with
            {
                Auth = NatsAuthType.Jwt,
                Jwt = options.RequiredString("auth.jwt"),
                NkeySeed = options.RequiredString("auth.nkey_seed"),
            },
            _ => config,
        };

    private static NatsConsumerSettings ReadConsumer(OptionReader options)
    {
        var defaults = new NatsConsumerSettings();
        var sample = options.Long("consumer.sample_frequency") ?? defaults.SampleFrequency;
        if (sample is < 0 or > 100) throw options.Invalid("consumer.sample_frequency", sample.ToString(System.Globalization.CultureInfo.InvariantCulture), "a percentage from 0 to 100");
        return new NatsConsumerSettings
        {
            Description = options.String("consumer.description"),
            AckPolicy = options.Choice("consumer.ack_policy", s_ackPolicies) ?? defaults.AckPolicy,
            ReplayPolicy = options.Choice("consumer.replay_policy", s_replayPolicies) ?? defaults.ReplayPolicy,
            AckWaitSeconds = NonNegative(options, "consumer.ack_wait") ?? defaults.AckWaitSeconds,
            FilterSubjects = options.String("consumer.filter_subjects") is { } filters
                ? filters.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : [],
            SampleFrequency = sample,
            NumReplicas = NonNegative(options, "consumer.num_replicas") ?? defaults.NumReplicas,
            InactiveThresholdSeconds = NonNegative(options, "consumer.inactive_threshold") ?? defaults.InactiveThresholdSeconds,
            RateLimit = options.Long("consumer.rate_limit") ?? defaults.RateLimit,
            MaxAckPending = options.Long("consumer.max_ack_pending") ?? defaults.MaxAckPending,
            MaxDeliver = options.Long("consumer.max_deliver") ?? defaults.MaxDeliver,
            MaxWaiting = options.Long("consumer.max_waiting") ?? defaults.MaxWaiting,
            MaxBatch = options.Long("consumer.max_batch") ?? defaults.MaxBatch,
            MaxBytes = options.Long("consumer.max_bytes") ?? defaults.MaxBytes,
            MaxExpiresSeconds = NonNegative(options, "consumer.max_expires") ?? defaults.MaxExpiresSeconds,
        };
    }

    private static long? NonNegative(OptionReader options, string name)
    {
        var value = options.Long(name, "a non-negative integer");
        if (value is < 0) throw options.Invalid(name, value.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "a non-negative integer");
        return value;
    }

    public ISource CreateSource(SourceSpec spec, OperatorContext context) => new NatsSource(spec, context);

    public IOperator CreateSink(SinkSpec spec, OperatorContext context) => new NatsSink(spec, context);
}
