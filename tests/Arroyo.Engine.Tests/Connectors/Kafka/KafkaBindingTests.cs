using Arroyo.Cli.Composition;
using Arroyo.Connectors;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using static Arroyo.Engine.Tests.Connectors.ConnectorTestKit;

namespace Arroyo.Engine.Tests.Connectors.Kafka;

/// <summary>The kafka and confluent tables' options and metadata fields, as the reference's table and connection schemas have them.</summary>
public sealed class KafkaBindingTests
{
    private static readonly Field[] s_columns = [new("id", DataType.Int64), new("name", DataType.Utf8)];

    private static (string, string)[] Source(params (string, string)[] more) =>
        [("connector", "kafka"), ("bootstrap_servers", "localhost:9092"), ("topic", "t"), ("format", "json"), ("type", "source"), .. more];

    [Fact]
    public void Source_options_of_the_reference_bind()
    {
        var table = Bind("k", s_columns, Source(("source.offset", "earliest"), ("source.read_mode", "read_committed"),
            ("source.group_id", "g"), ("client_configs", "fetch.min.bytes=1, socket.timeout.ms=5000"), ("value.subject", "s"),
            ("schema_registry.endpoint", "http://localhost:8081")));
        Assert.Equal(TableRole.Source, table.Role);
        Assert.Contains("KafkaSource<t>", table.Description);
    }

    [Fact]
    public void Options_the_reference_never_had_are_refused_with_a_suggestion()
    {
        var error = Assert.ThrowsAny<UserException>(() => Bind("k", s_columns, Source(("source.ofset", "earliest"))));
        Assert.Contains("'source.ofset'", error.Message);
        Assert.Contains("Did you mean 'source.offset'?", error.Message);
        foreach (var old in new[] { "group.id", "isolation.level", "scan.startup.mode", "kafka.linger.ms", "bootstrap.servers" })
        {
            Assert.ThrowsAny<UserException>(() => Bind("k", s_columns, Source((old, "x"))));
        }
    }

    [Fact]
    public void Choices_and_roles_are_checked()
    {
        Assert.Contains("expected one of 'latest', 'earliest', 'group'",
            Assert.ThrowsAny<UserException>(() => Bind("k", s_columns, Source(("source.offset", "beginning")))).Message);
        Assert.Contains("'sink.commit_mode' is an option of sink tables",
            Assert.ThrowsAny<UserException>(() => Bind("k", s_columns, Source(("sink.commit_mode", "exactly_once")))).Message);
        Assert.Contains("type must be one of 'source' or 'sink'",
            Assert.ThrowsAny<UserException>(() => Bind("k", s_columns, ("connector", "kafka"), ("bootstrap_servers", "b:1"), ("topic", "t"))).Message);
        Assert.Contains("requires the option 'bootstrap_servers'",
            Assert.ThrowsAny<UserException>(() => Bind("k", s_columns, ("connector", "kafka"), ("topic", "t"), ("type", "source"))).Message);
        Assert.Contains("not supported: auth.type = 'aws_msk_iam'",
            Assert.ThrowsAny<UserException>(() => Bind("k", s_columns, Source(("auth.type", "aws_msk_iam"), ("auth.region", "us-east-1")))).Message);
        Assert.Contains("not supported: the parquet format",
            Assert.ThrowsAny<UserException>(() => Bind("k", s_columns, ("connector", "kafka"), ("bootstrap_servers", "b:1"), ("topic", "t"),
                ("type", "source"), ("format", "parquet"))).Message);
        Assert.Contains("invalid client_config",
            Assert.ThrowsAny<UserException>(() => Bind("k", s_columns, Source(("client_configs", "linger.ms")))).Message);
    }

    [Fact]
    public void Sink_options_bind_and_sasl_needs_every_credential()
    {
        var sink = Bind("out", [], ("connector", "kafka"), ("bootstrap_servers", "b:9092"), ("topic", "o"), ("format", "json"), ("type", "sink"),
            ("sink.commit_mode", "exactly_once"), ("sink.key_field", "name"), ("sink.timestamp_field", "ts"),
            ("auth.type", "sasl"), ("auth.mechanism", "SCRAM-SHA-256"), ("auth.protocol", "SASL_PLAINTEXT"), ("auth.username", "u"), ("auth.password", "hunter2"));
        Assert.Equal(TableRole.Sink, sink.Role);
        // The password is in the client settings but never printed.
        Assert.DoesNotContain("hunter2", sink.Config.ToString());
        Assert.DoesNotContain("hunter2", sink.ToString());
        Assert.Contains("requires the option 'auth.password'",
            Assert.ThrowsAny<UserException>(() => Bind("k", s_columns, Source(("auth.type", "sasl"), ("auth.mechanism", "PLAIN"),
                ("auth.protocol", "SASL_SSL"), ("auth.username", "u")))).Message);
    }

    [Fact]
    public void Metadata_fields_have_the_reference_types()
    {
        var definition = Table("k", s_columns, Source()) with
        {
            MetadataColumns =
            [
                new MetadataColumn(new Field("off", DataType.Int64), "offset_id"),
                new MetadataColumn(new Field("p", DataType.Int32), "partition"),
                new MetadataColumn(new Field("tp", DataType.Utf8), "topic"),
                new MetadataColumn(new Field("ts", DataType.Int64), "timestamp"),
                new MetadataColumn(new Field("k", DataType.Binary), "key"),
            ],
        };
        Assert.Equal(5, BuiltIns.Connectors().Bind(definition).MetadataColumns.Count);
        var wrong = Table("k", s_columns, Source()) with { MetadataColumns = [new MetadataColumn(new Field("ts", DataType.Timestamp), "timestamp")] };
        Assert.Contains("expected BIGINT, but found TIMESTAMP", Assert.ThrowsAny<UserException>(() => BuiltIns.Connectors().Bind(wrong)).Message);
    }

    [Fact]
    public void Confluent_takes_the_cloud_key_and_secret()
    {
        var table = Bind("c", s_columns, ("connector", "confluent"), ("bootstrap_servers", "pkc.confluent.cloud:9092"), ("key", "K"), ("secret", "S3CRET"),
            ("topic", "t"), ("format", "json"), ("type", "source"));
        Assert.DoesNotContain("S3CRET", table.Config.ToString());
        Assert.Contains("requires the option 'secret'",
            Assert.ThrowsAny<UserException>(() => Bind("c", s_columns, ("connector", "confluent"), ("bootstrap_servers", "b:1"), ("key", "K"),
                ("topic", "t"), ("type", "source"))).Message);
    }

    [Fact]
    public void Json_options_work_or_are_refused_as_not_supported()
    {
        Bind("k", s_columns, Source(("json.decimal_encoding", "number"), ("json.compression", "uncompressed"), ("framing", "newline"),
            ("framing.newline.max_length", "1000")));
        Assert.Contains("not supported: json.decimal_encoding = 'string'",
            Assert.ThrowsAny<UserException>(() => Bind("k", s_columns, Source(("json.decimal_encoding", "string")))).Message);
        Assert.Contains("not supported: json.compression = 'gzip'",
            Assert.ThrowsAny<UserException>(() => Bind("k", s_columns, Source(("json.compression", "gzip")))).Message);
        Assert.Contains("not supported: json.confluent_schema_registry",
            Assert.ThrowsAny<UserException>(() => Bind("k", s_columns, Source(("json.confluent_schema_registry", "true")))).Message);
        // The reference's name is framing.newline.max_length; the other was never an option.
        Assert.Contains("Did you mean 'framing.newline.max_length'?",
            Assert.ThrowsAny<UserException>(() => Bind("k", s_columns, Source(("framing", "newline"), ("framing.newline.max_lenght", "10")))).Message);
        Assert.ThrowsAny<UserException>(() => Bind("k", s_columns, Source(("json.confluent_schema_version", "1"))));
    }
}
