using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Arroyo.State.Checkpoints;

namespace Arroyo.Engine.Tests.State;

/// <summary>
/// The bytes of the state dir's JSON files (pipeline.json, manifests, the lease) are those
/// System.Text.Json wrote for these records with the state dir's options (indented, camelCase,
/// null tables left out): existing state dirs must read the same, and a manifest or
/// pipeline.json is accepted only if it is exactly the canonical form of what it parses to.
/// </summary>
public sealed partial class StateJsonFormatTests
{
    private static readonly DateTimeOffset s_time = new DateTimeOffset(2026, 12, 6, 18, 57, 14, TimeSpan.Zero).AddTicks(9215684);

    // Text that exercises the default encoder's escapes: quotes, HTML-sensitive characters,
    // control characters, non-ASCII letters and a surrogate pair.
    private const string Awkward = "SELECT 'a', \"b\" <c> & d + `e`\\f\n\tg\u0001 é → 😀 FROM nexmark;\r\n";

    [Fact]
    public void Pipeline_json_is_written_as_before()
    {
        var record = new PipelineRecord
        {
            Name = "q \"1\" é",
            Query = Awkward,
            QueryHash = PipelineRecord.HashQuery(Awkward),
            Parallelism = 3,
            CreatedAt = s_time.ToOffset(TimeSpan.FromHours(-5)),
            Checkpointed = true,
        };
        var sealedRecord = record with { Checksum = "0123456789abcdef" };
        AssertSameText(JsonSerializer.SerializeToUtf8Bytes(sealedRecord, OldFormat.Default.PipelineRecord), WriterOf(sealedRecord));
        var bytes = record.Serialize();
        Assert.Equal(record with { Checksum = PipelineRecord.Deserialize(bytes).Checksum }, PipelineRecord.Deserialize(bytes));
        // Sealed as before: the checksum covers the old form with an empty checksum.
        var unsealed = JsonSerializer.SerializeToUtf8Bytes(record, OldFormat.Default.PipelineRecord);
        AssertSameText(JsonSerializer.SerializeToUtf8Bytes(record with { Checksum = Arroyo.State.Files.Checksums.HexOf(unsealed) }, OldFormat.Default.PipelineRecord), bytes);
    }

    [Fact]
    public void Manifests_are_written_as_before()
    {
        var manifest = new CheckpointManifest
        {
            Epoch = 12,
            CompletedAt = s_time,
            SourcesFinished = true,
            Files =
            [
                new ManifestFile("checkpoints/epoch-0000000003/node-1/subtask-0.state", 225, "55d74384196b3ff3") { Tables = ["t", "u é"] },
                new ManifestFile("checkpoints/epoch-0000000012/node-1/subtask-0.state", 0, "c0083ec74f5f14d9"),
            ],
            Commits = [new PendingCommit(4, 1, [0, 1, 2, 250, 255]), new PendingCommit(5, 0, [])],
            Checksum = "01e74bd2dd8df4ca",
        };
        AssertSameText(JsonSerializer.SerializeToUtf8Bytes(manifest, OldFormat.Default.CheckpointManifest), WriterOf(manifest));
        var empty = new CheckpointManifest { Epoch = 1, CompletedAt = s_time };
        AssertSameText(JsonSerializer.SerializeToUtf8Bytes(empty, OldFormat.Default.CheckpointManifest), WriterOf(empty));
        var bytes = manifest.Serialize();
        var read = CheckpointManifest.Deserialize(bytes);
        Assert.Equal(manifest.Files, read.Files);
        Assert.Equal(bytes, read.Serialize());
    }

    [Fact]
    public void Files_written_by_the_previous_build_read_the_same()
    {
        // Written by main at 4a5f9ba (System.Text.Json's serializer) for a 1-event nexmark run.
        var pipeline = Encoding.UTF8.GetBytes(
            "{\n  \"formatVersion\": 2,\n  \"name\": \"query\",\n  \"query\": \"CREATE TABLE nexmark WITH (connector = \\u0027nexmark\\u0027, " +
            "event_rate = \\u0027100000000\\u0027, message_count = \\u00271\\u0027);\\nCREATE TABLE out WITH (connector = \\u0027blackhole\\u0027);\\n" +
            "INSERT INTO out SELECT bid.auction, bid.price FROM nexmark WHERE bid IS NOT NULL;\\n\",\n" +
            "  \"queryHash\": \"9444392d62953727409887e98b40f2ce5097654e90e75a3225082ef79153e608\",\n  \"parallelism\": 1,\n" +
            "  \"createdAt\": \"2026-12-06T18:57:13.9215684+00:00\",\n  \"checkpointed\": true,\n  \"checksum\": \"1fb88dc9f3582d4a\"\n}");
        var record = PipelineRecord.Deserialize(pipeline);
        Assert.Equal(PipelineRecord.HashQuery(record.Query), record.QueryHash);
        Assert.Equal(pipeline, record.Serialize());

        var manifestText = new StringBuilder("{\n  \"formatVersion\": 3,\n  \"epoch\": 1,\n  \"completedAt\": \"2026-12-06T18:57:14.1616272+00:00\",\n  \"sourcesFinished\": true,\n  \"files\": [\n");
        (int Node, int Size, string Checksum)[] files = [(1, 225, "55d74384196b3ff3"), (2, 117, "56dd755dfde35a58"), (3, 27, "c0083ec74f5f14d9"), (4, 27, "c0083ec74f5f14d9"), (5, 27, "c0083ec74f5f14d9")];
        for (var i = 0; i < files.Length; i++)
        {
            manifestText.Append($"    {{\n      \"key\": \"checkpoints/epoch-0000000001/node-{files[i].Node}/subtask-0.state\",\n      \"size\": {files[i].Size},\n      \"checksum\": \"{files[i].Checksum}\"\n    }}");
            manifestText.Append(i < files.Length - 1 ? ",\n" : "\n");
        }
        manifestText.Append("  ],\n  \"commits\": [],\n  \"checksum\": \"01e74bd2dd8df4ca\"\n}");
        var manifestBytes = Encoding.UTF8.GetBytes(manifestText.ToString());
        var manifest = CheckpointManifest.Deserialize(manifestBytes);
        Assert.Equal(5, manifest.Files.Count);
        Assert.Equal(manifestBytes, manifest.Serialize());
    }

    [Fact]
    public void A_changed_byte_is_still_refused()
    {
        var bytes = new PipelineRecord { Name = "n", Query = "SELECT 1", QueryHash = PipelineRecord.HashQuery("SELECT 1"), Parallelism = 1, CreatedAt = s_time }.Serialize();
        var text = Encoding.UTF8.GetString(bytes);
        // A value changed: the checksum fails. Layout changed (same values): the comparison fails.
        Assert.Throws<InvalidDataException>(() => PipelineRecord.Deserialize(Encoding.UTF8.GetBytes(text.Replace("\"parallelism\": 1", "\"parallelism\": 2"))));
        Assert.Throws<InvalidDataException>(() => PipelineRecord.Deserialize(Encoding.UTF8.GetBytes(text.Replace("\"parallelism\": 1", "\"parallelism\":  1"))));
        Assert.Throws<InvalidDataException>(() => PipelineRecord.Deserialize(Encoding.UTF8.GetBytes(text.Replace("SELECT 1", "SELECT \\u0031"))));
    }

    private static byte[] WriterOf(PipelineRecord record) => StateJson.Write(record);

    private static byte[] WriterOf(CheckpointManifest manifest) => StateJson.Write(manifest);

    private static void AssertSameText(byte[] expected, byte[] actual) => Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(actual));

    /// <summary>The serializer context the state dir used until session 19, with its options.</summary>
    [JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
    [JsonSerializable(typeof(CheckpointManifest))]
    [JsonSerializable(typeof(PipelineRecord))]
    [JsonSerializable(typeof(LeaseRecord))]
    internal sealed partial class OldFormat : JsonSerializerContext;
}
