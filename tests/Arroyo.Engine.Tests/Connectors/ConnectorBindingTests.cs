using Arroyo.Cli.Composition;
using Arroyo.Connectors.Builtin.Impulse;
using Arroyo.Connectors;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Formats;
using static Arroyo.Engine.Tests.Connectors.ConnectorTestKit;

namespace Arroyo.Engine.Tests.Connectors;

public sealed class ConnectorBindingTests
{
    private static readonly Field[] s_cars = [new("timestamp", DataType.Timestamp), new("driver_id", DataType.Int64)];

    [Fact]
    public void Impulse_defines_its_own_schema_and_options()
    {
        var table = Bind("impulse", [], ("connector", "impulse"), ("event_rate", "100"), ("message_count", "10"), ("event_time_interval", "1000"));
        Assert.Equal(TableRole.Source, table.Role);
        Assert.Equal(["counter", "subtask_index"], table.Fields.Select(f => f.Name));
        Assert.All(table.Fields, f => Assert.Equal(DataType.UInt64, f.Type));
        Assert.True(table.IsBounded);
        Assert.Null(table.Format);
        Assert.Equal(new ImpulseConfig(100, 1000, 10), table.Config);
        Assert.Equal(["counter", "subtask_index", "_timestamp"], table.SourceSchema().Fields.Select(f => f.Name));
    }

    [Fact]
    public void Nexmark_has_the_reference_struct_columns()
    {
        var table = Bind("nexmark", [], ("connector", "nexmark"), ("event_rate", "1000"), ("runtime", "1.5"));
        Assert.Equal(["person", "auction", "bid"], table.Fields.Select(f => f.Name));
        Assert.Equal(["auction", "bidder", "price", "channel", "url", "datetime", "extra"], table.Fields[2].Type.Fields.Select(f => f.Name));
        Assert.True(table.IsBounded);
        var error = Assert.ThrowsAny<UserException>(() => Bind("n", [new Field("x", DataType.Int64)], ("connector", "nexmark"), ("event_rate", "1")));
        Assert.Contains("invalid schema for nexmark source", error.Message);
    }

    [Fact]
    public void Single_file_reads_format_role_and_legacy_options()
    {
        var table = Bind("cars", s_cars, ("connector", "single_file"), ("path", "/tmp/x.json"), ("format", "json"), ("type", "source"),
            ("event_time_field", "timestamp"), ("bad_data", "drop"));
        Assert.Equal(TableRole.Source, table.Role);
        Assert.Equal(FormatKind.Json, table.Format!.Kind);
        Assert.Equal(BadDataPolicy.Drop, table.BadData);
        Assert.Equal("timestamp", table.EventTimeField);
        Assert.False(table.IsUpdating);

        var debezium = Bind("d", s_cars, ("connector", "single_file"), ("path", "/tmp/x.json"), ("format", "debezium_json"), ("type", "source"));
        Assert.True(debezium.IsUpdating);
        Assert.Equal(TimestampFormat.UnixMillis, debezium.Format!.TimestampFormat);
        Assert.Equal(["timestamp", "driver_id", "_is_retract", "_timestamp"], debezium.SourceSchema().Fields.Select(f => f.Name));

        var sink = Bind("out", [], ("connector", "single_file"), ("path", "/tmp/o.json"), ("format", "json"), ("type", "sink"), ("json.unstructured", "true"));
        Assert.Equal(TableRole.Sink, sink.Role);
        Assert.True(sink.Format!.Unstructured);
    }

    [Fact]
    public void Unknown_option_lists_the_valid_ones_and_suggests_the_closest()
    {
        var error = Assert.ThrowsAny<UserException>(() => Bind("impulse", [], ("connector", "impulse"), ("event_rate", "1"), ("mesage_count", "3")));
        Assert.Contains("'mesage_count'", error.Message);
        Assert.Contains("Did you mean 'message_count'?", error.Message);
        Assert.Contains("event_time_interval", error.Hint);
    }

    [Fact]
    public void A_misspelled_required_option_is_reported_as_the_typo()
    {
        var impulse = Assert.ThrowsAny<UserException>(() => Bind("i", [], ("connector", "impulse"), ("event_rat", "1")));
        Assert.Contains("unknown option 'event_rat'", impulse.Message);
        Assert.Contains("Did you mean 'event_rate'?", impulse.Message);
        var file = Assert.ThrowsAny<UserException>(() => Bind("f", s_cars, ("connector", "single_file"), ("type", "source"), ("pth", "x")));
        Assert.Contains("Did you mean 'path'?", file.Message);
    }

    [Fact]
    public void Missing_and_invalid_values_name_the_option()
    {
        Assert.Contains("event_rate", Assert.ThrowsAny<UserException>(() => Bind("i", [], ("connector", "impulse"))).Message);
        Assert.Contains("'path'", Assert.ThrowsAny<UserException>(() => Bind("f", s_cars, ("connector", "single_file"), ("type", "source"))).Message);
        var rate = Assert.ThrowsAny<UserException>(() => Bind("i", [], ("connector", "impulse"), ("event_rate", "fast")));
        Assert.Contains("'event_rate'", rate.Message);
        Assert.Contains("float", rate.Message);
        var format = Assert.ThrowsAny<UserException>(() => Bind("f", s_cars, ("connector", "single_file"), ("path", "p"), ("format", "jsn")));
        Assert.Contains("Did you mean 'json'?", format.Message);
        var type = Assert.ThrowsAny<UserException>(() => Bind("i", [], ("connector", "impulse"), ("event_rate", "1"), ("type", "sink")));
        Assert.Contains("cannot be used as a sink", type.Message);
        var badData = Assert.ThrowsAny<UserException>(() => Bind("f", s_cars, ("connector", "single_file"), ("path", "p"), ("bad_data", "skip")));
        Assert.Contains("'bad_data'", badData.Message);
    }

    [Fact]
    public void Unknown_connector_suggests_a_known_one()
    {
        var error = Assert.ThrowsAny<UserException>(() => Bind("t", [], ("connector", "impuls"), ("event_rate", "1")));
        Assert.Contains("Did you mean 'impulse'?", error.Message);
        Assert.Contains("single_file", error.Hint);
    }

    [Fact]
    public void Message_connectors_bind_with_their_options_and_those_that_cannot_run_are_refused_when_planning()
    {
        var mqtt = Bind("m", s_cars, ("connector", "mqtt"), ("url", "tcp://localhost:1883"), ("topic", "t"), ("format", "json"), ("type", "source"));
        Assert.Equal(TableRole.Source, mqtt.Role);
        var sse = Bind("s", [new Field("value", DataType.Utf8)], ("connector", "sse"), ("endpoint", "http://x"), ("format", "raw_string"), ("events", "update"));
        Assert.Equal(TableRole.Source, sse.Role);
        var fluvio = Assert.ThrowsAny<UserException>(() =>
            Bind("f", s_cars, ("connector", "fluvio"), ("topic", "t"), ("format", "json"), ("type", "source")));
        Assert.Contains("the fluvio connector is not supported in this build", fluvio.Message);
        var preview = Assert.ThrowsAny<UserException>(() => Bind("p", s_cars, ("connector", "preview")));
        Assert.Contains("Preview connector cannot be created in SQL", preview.Message);
    }

    [Fact]
    public void Table_errors_carry_the_reference_wording()
    {
        var definition = Table("mqtt", [new Field("name", DataType.Utf8)], ("connector", "mqtt"), ("url", "tcp://localhost:1883"), ("topic", "plant/#"),
            ("type", "source"), ("format", "json")) with { MetadataColumns = [new MetadataColumn(new Field("topic", DataType.Int32), "topic")] };
        var error = Assert.ThrowsAny<UserException>(() => BuiltIns.Connectors().Bind(definition));
        Assert.Contains("Failed to create table mqtt caused by Error during planning: incorrect data type for metadata field 'topic'; expected TEXT, but found INT", error.Message);

        var redis = Table("lookup", [new Field("key", DataType.Utf8), new Field("value", DataType.Utf8)], ("connector", "redis"), ("format", "json"),
            ("address", "redis://localhost:6379"), ("type", "lookup")) with { PrimaryKey = ["key"] };
        Assert.Contains("Redis lookup tables must have a PRIMARY KEY field defined as `field_name TEXT METADATA FROM 'key'`",
            Assert.ThrowsAny<UserException>(() => BuiltIns.Connectors().Bind(redis)).Message);

        var virtualFields = Table("debezium_source", s_cars, ("connector", "single_file"), ("path", "p"), ("format", "debezium_json"), ("type", "source"))
            with { GeneratedColumns = ["x"] };
        Assert.Contains("can't use virtual fields with debezium format", Assert.ThrowsAny<UserException>(() => BuiltIns.Connectors().Bind(virtualFields)).Message);

        var partition = Table("events_sink", s_cars, ("connector", "delta"), ("path", "s3://bucket/p"), ("format", "parquet"), ("type", "sink"),
            ("partitioning.fields", "[driver_id, not_a_real_field]"));
        Assert.Contains("Unable to get field named \"not_a_real_field\". Valid fields: [\"timestamp\", \"driver_id\", \"_timestamp\"]",
            Assert.ThrowsAny<UserException>(() => BuiltIns.Connectors().Bind(partition)).Message);
    }
}
