using System.Buffers.Binary;
using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;
using Arroyo.TestServers;
using Avro;
using Avro.Generic;
using Avro.IO;
using Confluent.Kafka;

namespace Arroyo.EndToEnd.Tests.Kafka;

/// <summary>Avro through Kafka with the schema registry: records written with two versions of a schema read into the declared columns, as JSON equal to the input.</summary>
public sealed class KafkaAvroTests(KafkaMockBrokerFixture broker, SchemaRegistryFixture registry)
    : IClassFixture<KafkaMockBrokerFixture>, IClassFixture<SchemaRegistryFixture>
{
    private const string V1 = """
        {"type":"record","name":"Bid","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"},
         {"name":"price","type":["null","double"]}]}
        """;

    // The writer added a field: the table, declared for v1, reads both.
    private const string V2 = """
        {"type":"record","name":"Bid","fields":[{"name":"id","type":"long"},{"name":"name","type":"string"},
         {"name":"price","type":["null","double"]},{"name":"region","type":"string","default":""}]}
        """;

    private static byte[] Encode(string schemaText, int? id, Action<GenericRecord> fill)
    {
        var schema = (RecordSchema)Schema.Parse(schemaText);
        var record = new GenericRecord(schema);
        fill(record);
        using var stream = new MemoryStream();
        if (id is { } schemaId)
        {
            stream.WriteByte(0);
            var header = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(header, schemaId);
            stream.Write(header);
        }
        new GenericDatumWriter<GenericRecord>(schema).Write(record, new BinaryEncoder(stream));
        return stream.ToArray();
    }

    private void ProduceBytes(string topic, IEnumerable<byte[]> values)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).SetLogHandler((_, _) => { }).Build();
        foreach (var value in values) producer.Produce(new TopicPartition(topic, 0), new Message<byte[], byte[]> { Key = null!, Value = value });
        producer.Flush(TimeSpan.FromSeconds(30));
    }

    private static List<string> RunUntil(string query, TempDirectory dir, int lines)
    {
        File.WriteAllText(dir.File("q.sql"), query);
        using var running = ArroyoProcess.Start(["run", "-s", dir.File("state"), dir.File("q.sql")]);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!File.Exists(dir.File("out.json")) || File.ReadAllLines(dir.File("out.json")).Length < lines)
        {
            Assert.True(DateTime.UtcNow < deadline && !running.WaitForLog("error:", TimeSpan.Zero), running.Stderr);
            Thread.Sleep(100);
        }
        running.Signal(2);
        Assert.Equal(0, running.WaitForExit(TimeSpan.FromSeconds(60)).ExitCode);
        return File.ReadAllLines(dir.File("out.json")).ToList();
    }

    [Fact]
    public void Registry_records_of_two_schema_versions_read_as_the_json_written()
    {
        using var dir = new TempDirectory();
        var topic = "avro-" + Guid.NewGuid().ToString("N")[..8];
        var v1 = registry.Register(topic + "-value", V1);
        var v2 = registry.Register(topic + "-value", V2);
        var input = Enumerable.Range(0, 20).Select(i => (Id: (long)i, Name: $"bid {i}", Price: i % 3 == 0 ? (double?)null : i * 1.5)).ToList();
        ProduceBytes(topic, input.Select(r => r.Id < 10
            ? Encode(V1, v1, g => { g.Add("id", r.Id); g.Add("name", r.Name); g.Add("price", r.Price); })
            : Encode(V2, v2, g => { g.Add("id", r.Id); g.Add("name", r.Name); g.Add("price", r.Price); g.Add("region", "eu"); })));

        var query = $"""
            CREATE TABLE bids (id BIGINT, name TEXT, price DOUBLE) WITH (
              connector = 'kafka', bootstrap_servers = '{broker.BootstrapServers}', topic = '{topic}', type = 'source',
              source.offset = 'earliest', format = 'avro', avro.confluent_schema_registry = 'true',
              schema_registry.endpoint = '{registry.Endpoint}');
            CREATE TABLE out WITH (connector = 'single_file', path = '{dir.File("out.json")}', format = 'json', type = 'sink');
            INSERT INTO out SELECT id, name, price FROM bids;
            """;
        var lines = RunUntil(query, dir, 20);
        var expected = input.Select(r => JsonSerializer.Serialize(new { id = r.Id, name = r.Name, price = r.Price })).ToList();
        Assert.Equal(expected, lines.Select(Normalize));
    }

    [Fact]
    public void Raw_datums_read_with_the_schema_of_the_table()
    {
        using var dir = new TempDirectory();
        var topic = "raw-" + Guid.NewGuid().ToString("N")[..8];
        const string schema = """
            {"type":"record","name":"ArroyoAvroRoot","fields":[{"name":"id","type":["null","long"]},{"name":"name","type":["null","string"]}]}
            """;
        ProduceBytes(topic, Enumerable.Range(0, 5).Select(i => Encode(schema, null, g => { g.Add("id", (long)i); g.Add("name", $"n{i}"); })).Append([0xff, 0xff, 0xff]));
        var query = $"""
            CREATE TABLE t (id BIGINT, name TEXT) WITH (
              connector = 'kafka', bootstrap_servers = '{broker.BootstrapServers}', topic = '{topic}', type = 'source',
              source.offset = 'earliest', format = 'avro', avro.raw_datums = 'true', bad_data = 'drop');
            CREATE TABLE out WITH (connector = 'single_file', path = '{dir.File("out.json")}', format = 'json', type = 'sink');
            INSERT INTO out SELECT id, name FROM t;
            """;
        var lines = RunUntil(query, dir, 5);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $$"""{"id":{{i}},"name":"n{{i}}"}"""), lines);
    }

    private static string Normalize(string line)
    {
        var row = JsonDocument.Parse(line).RootElement;
        var price = row.GetProperty("price");
        return JsonSerializer.Serialize(new
        {
            id = row.GetProperty("id").GetInt64(),
            name = row.GetProperty("name").GetString(),
            price = price.ValueKind == JsonValueKind.Null ? (double?)null : price.GetDouble(),
        });
    }

    private string AvroTable(string name, string topic, string columns, string options) => $"""
        CREATE TABLE {name} {columns} WITH (
          connector = 'kafka', bootstrap_servers = '{broker.BootstrapServers}', topic = '{topic}', format = 'avro', {options});
        """;

    [Fact]
    public void The_sink_registers_its_schema_and_frames_records_that_the_source_reads_back()
    {
        using var dir = new TempDirectory();
        var topic = "avro-out-" + Guid.NewGuid().ToString("N")[..8];
        var registryOptions = $"avro.confluent_schema_registry = 'true', schema_registry.endpoint = '{registry.Endpoint}'";
        File.WriteAllText(dir.File("write.sql"), "CREATE TABLE i WITH (connector = 'impulse', event_rate = '1000', message_count = '20');" +
            AvroTable("out", topic, "", $"type = 'sink', {registryOptions}") +
            "INSERT INTO out SELECT CAST(counter AS BIGINT) AS id, concat('n', CAST(counter AS TEXT)) AS name, " +
            "to_timestamp_millis(CAST(counter AS BIGINT) + 1700000000000) AS t, counter % 2 = 0 AS even FROM i;");
        var written = ArroyoProcess.Run(["run", "-s", dir.File("s1"), dir.File("write.sql")], timeout: TimeSpan.FromSeconds(90));
        Assert.True(written.ExitCode == 0, written.ToString());

        // The schema derived from the written columns is the subject's latest, and every record names its id.
        using var http = new HttpClient();
        var latest = JsonDocument.Parse(http.GetStringAsync($"{registry.Endpoint}/subjects/{topic}-value/versions/latest").GetAwaiter().GetResult()).RootElement;
        var schema = JsonDocument.Parse(latest.GetProperty("schema").GetString()!).RootElement;
        Assert.Equal("ArroyoAvro", schema.GetProperty("name").GetString());
        Assert.Equal(["id", "name", "t", "even"], schema.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("name").GetString()));
        var id = latest.GetProperty("id").GetInt32();
        using (var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "check-" + topic }).SetLogHandler((_, _) => { }).Build())
        {
            // The unkeyed sink may put every record in one partition: read all of them.
            consumer.Assign(Enumerable.Range(0, KafkaMockBrokerFixture.PartitionsPerTopic).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
            var first = consumer.Consume(TimeSpan.FromSeconds(30));
            Assert.NotNull(first);
            Assert.Equal(0, first.Message.Value[0]);
            Assert.Equal(id, BinaryPrimitives.ReadInt32BigEndian(first.Message.Value.AsSpan(1, 4)));
        }

        var read = AvroTable("input", topic, "(id BIGINT, name TEXT, t TIMESTAMP, even BOOLEAN)", $"type = 'source', source.offset = 'earliest', {registryOptions}") +
                   $"CREATE TABLE out WITH (connector = 'single_file', path = '{dir.File("out.json")}', format = 'json', type = 'sink');" +
                   "INSERT INTO out SELECT id, name, t, even FROM input;";
        var rows = RunUntil(read, dir, 20).Select(l => JsonDocument.Parse(l).RootElement)
            .Select(r => (Id: r.GetProperty("id").GetInt64(), Name: r.GetProperty("name").GetString(),
                          T: DateTime.Parse(r.GetProperty("t").GetString()!, System.Globalization.CultureInfo.InvariantCulture,
                              System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal),
                          Even: r.GetProperty("even").GetBoolean()))
            .OrderBy(r => r.Id).ToList();
        var expected = Enumerable.Range(0, 20)
            .Select(i => (Id: (long)i, Name: (string?)$"n{i}", T: DateTime.UnixEpoch.AddMilliseconds(1700000000000 + i), Even: i % 2 == 0)).ToList();
        Assert.Equal(expected, rows);
    }

    [Fact]
    public void Raw_datums_written_by_the_sink_read_back_with_the_table_schema()
    {
        using var dir = new TempDirectory();
        var topic = "avro-raw-" + Guid.NewGuid().ToString("N")[..8];
        // Nullable columns on both sides: the schema derived from the sink's columns is the one the source derives from its declared ones.
        File.WriteAllText(dir.File("write.sql"), "CREATE TABLE i WITH (connector = 'impulse', event_rate = '1000', message_count = '10');" +
            AvroTable("out", topic, "", "type = 'sink', avro.raw_datums = 'true'") +
            "INSERT INTO out SELECT CASE WHEN counter % 4 = 3 THEN NULL ELSE CAST(counter AS BIGINT) END AS id, " +
            "CASE WHEN counter % 3 = 2 THEN NULL ELSE concat('n', CAST(counter AS TEXT)) END AS name FROM i;");
        var written = ArroyoProcess.Run(["run", "-s", dir.File("s1"), dir.File("write.sql")], timeout: TimeSpan.FromSeconds(90));
        Assert.True(written.ExitCode == 0, written.ToString());

        var read = AvroTable("input", topic, "(id BIGINT, name TEXT)", "type = 'source', source.offset = 'earliest', avro.raw_datums = 'true'") +
                   $"CREATE TABLE out WITH (connector = 'single_file', path = '{dir.File("out.json")}', format = 'json', type = 'sink');" +
                   "INSERT INTO out SELECT id, name FROM input;";
        var lines = RunUntil(read, dir, 10).Select(l => JsonDocument.Parse(l).RootElement)
            .Select(r => (Id: r.GetProperty("id").ValueKind == JsonValueKind.Null ? (long?)null : r.GetProperty("id").GetInt64(),
                          Name: r.GetProperty("name").ValueKind == JsonValueKind.Null ? null : r.GetProperty("name").GetString()))
            .OrderBy(r => r.Name ?? "").ThenBy(r => r.Id ?? -1).ToList();
        var expected = Enumerable.Range(0, 10)
            .Select(i => (Id: i % 4 == 3 ? (long?)null : i, Name: i % 3 == 2 ? null : $"n{i}"))
            .OrderBy(r => r.Name ?? "").ThenBy(r => r.Id ?? -1).ToList();
        Assert.Equal(expected, lines);
    }

    [Fact]
    public void A_missing_subject_is_named_with_the_registry()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), $"""
            CREATE TABLE t (id BIGINT) WITH (
              connector = 'kafka', bootstrap_servers = '{broker.BootstrapServers}', topic = 'nosubject', type = 'source',
              format = 'avro', avro.raw_datums = 'true', schema_registry.endpoint = '{registry.Endpoint}');
            SELECT id FROM t;
            """);
        var outcome = ArroyoProcess.Run(["run", "-s", dir.File("state"), dir.File("q.sql")], timeout: TimeSpan.FromSeconds(60));
        Assert.NotEqual(0, outcome.ExitCode);
        Assert.Contains($"the schema registry at {registry.Endpoint} has no subject 'nosubject-value': not found", outcome.Stderr);
        Assert.DoesNotContain("   at ", outcome.Stderr);
    }
}
