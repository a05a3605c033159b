using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Dataflow.Serialization;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.RabbitMq;

/// <summary>
/// The <c>rabbitmq</c> connector: a source reading a RabbitMQ stream over the stream protocol.
/// A source only, as in the reference (crates/arroyo-connectors/src/rabbitmq): its option names
/// and defaults are the reference's connection profile and table schema.
/// </summary>
public sealed class RabbitMqConnector : ConnectorBase, IConnectorRuntime
{
    private static readonly string[] s_offsets = ["first", "last", "next"];

    public override string Name => "rabbitmq";

    public override ConnectorRoles Roles => ConnectorRoles.Source;

    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(RabbitMqJsonContext.Default).AddDerived<ConnectorConfig, RabbitMqTableConfig>(Name);

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        var defaults = new RabbitMqTableConfig("");
        var port = options.Long("port", "a port number from 0 to 65535");
        if (port is < 0 or > ushort.MaxValue)
        {
            throw new UserException($"invalid 'port' for rabbitmq; must be <= {ushort.MaxValue} (table '{definition.Name}')", definition.SpanOf("port"));
        }
        var config = new RabbitMqTableConfig(options.RequiredString("stream"))
        {
            Host = options.String("host") ?? defaults.Host,
            Port = (int?)port ?? defaults.Port,
            Username = options.String("username") ?? defaults.Username,
            Password = options.String("password") ?? defaults.Password,
            VirtualHost = options.String("virtual_host") ?? defaults.VirtualHost,
            LoadBalancerMode = options.Bool("load_balancer_mode") ?? false,
            TlsEnabled = options.Bool("tls_config.enabled") ?? false,
            TlsTrustCertificates = options.Bool("tls_config.trust_certificates") ?? false,
            TlsRootCertificatesPath = options.String("tls_config.root_certificates_path"),
            TlsClientCertificatesPath = options.String("tls_config.client_certificates_path"),
            TlsClientKeysPath = options.String("tls_config.client_keys_path"),
            StartOffset = options.Choice("source.offset", s_offsets) switch
            {
                "first" => RabbitMqStartOffset.First,
                "next" => RabbitMqStartOffset.Next,
                _ => RabbitMqStartOffset.Last,
            },
        };
        // The reference asks for the role explicitly even though a source is all it can be.
        if (!definition.Options.ContainsKey("type"))
        {
            throw options.Missing("type", $"type must be 'source' (table '{definition.Name}', connector rabbitmq)", "add type = 'source' to the WITH clause");
        }
        if ((config.TlsClientCertificatesPath is null) != (config.TlsClientKeysPath is null))
        {
            throw new UserException("tls_config.client_certificates_path and tls_config.client_keys_path must be given together",
                definition.SpanOf(config.TlsClientKeysPath is null ? "tls_config.client_certificates_path" : "tls_config.client_keys_path"));
        }
        return new BoundParts(definition.Columns, config, $"RabbitmqStreamSource<{config.Stream}>");
    }

    public ISource CreateSource(SourceSpec spec, OperatorContext context) => new RabbitMqSource(spec, context);
}
