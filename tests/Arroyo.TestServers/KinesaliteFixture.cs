using System.Text;
using Amazon.Kinesis;
using Amazon.Kinesis.Model;
using Amazon.Runtime;

namespace Arroyo.TestServers;

/// <summary>
/// kinesalite (npm, in .tools/), a Kinesis-compatible server, on 127.0.0.1 (through a launcher:
/// its CLI listens on every interface). Streams are ACTIVE at once and kept in the data dir, so a
/// <see cref="NodeTestServer.RestartAsync"/> brings them back. <see cref="Environment"/> is
/// what a run needs to reach it: the endpoint override, a region and placeholder credentials.
/// </summary>
public sealed class KinesaliteFixture : NodeTestServer
{
    public const string Region = "us-east-1";

    protected override string Name => "kinesalite";

    protected override string ScriptPath => "kinesalite/index.js";

    protected override string[] Packages => ["kinesalite"];

    public string Endpoint => $"http://127.0.0.1:{Port}";

    public Dictionary<string, string> Environment => new()
    {
        ["AWS_ENDPOINT_URL"] = Endpoint,
        ["AWS_REGION"] = Region,
        ["AWS_ACCESS_KEY_ID"] = "kinesalite",
        ["AWS_SECRET_ACCESS_KEY"] = "kinesalite",
    };

    protected override IEnumerable<string> Arguments(int port, string dataDir) => [port.ToString(), dataDir];

    // path: streams and records in LevelDB under the data dir (not in memory), so they survive a RestartAsync.
    protected override IEnumerable<string> NodeArguments(string script, int port, string dataDir) =>
    [
        "-e",
        "require(process.argv[1])({ createStreamMs: 0, deleteStreamMs: 0, updateStreamMs: 0, shardLimit: 100, path: process.argv[3] })" +
        ".listen(+process.argv[2], '127.0.0.1')",
        script, .. Arguments(port, dataDir),
    ];

    public AmazonKinesisClient Client() =>
        new(new BasicAWSCredentials("kinesalite", "kinesalite"), new AmazonKinesisConfig { ServiceURL = Endpoint, AuthenticationRegion = Region });

    public async Task CreateStreamAsync(string stream, int shards)
    {
        using var client = Client();
        await client.CreateStreamAsync(new CreateStreamRequest { StreamName = stream, ShardCount = shards });
        await WaitActiveAsync(client, stream);
    }

    private static async Task WaitActiveAsync(AmazonKinesisClient client, string stream)
    {
        for (var i = 0; i < 100; i++)
        {
            var summary = await client.DescribeStreamSummaryAsync(new DescribeStreamSummaryRequest { StreamName = stream });
            if (summary.StreamDescriptionSummary.StreamStatus == StreamStatus.ACTIVE) return;
            await Task.Delay(100);
        }
        throw new TimeoutException($"stream {stream} did not become active");
    }

    public async Task PutAsync(string stream, IEnumerable<string> records)
    {
        using var client = Client();
        var i = 0;
        foreach (var chunk in records.Chunk(100))
        {
            var response = await client.PutRecordsAsync(new PutRecordsRequest
            {
                StreamName = stream,
                Records = chunk.Select(r => new PutRecordsRequestEntry { Data = new MemoryStream(Encoding.UTF8.GetBytes(r)), PartitionKey = $"k{i++}" }).ToList(),
            });
            if ((response.FailedRecordCount ?? 0) > 0) throw new InvalidOperationException($"{response.FailedRecordCount} records rejected");
        }
    }

    /// <summary>Splits <paramref name="shardId"/> in two at the middle of its hash key range; the parent is closed.</summary>
    public async Task SplitAsync(string stream, string shardId)
    {
        using var client = Client();
        var shards = (await client.ListShardsAsync(new ListShardsRequest { StreamName = stream })).Shards;
        var range = shards.Single(s => s.ShardId == shardId).HashKeyRange;
        var middle = (System.Numerics.BigInteger.Parse(range.StartingHashKey) + System.Numerics.BigInteger.Parse(range.EndingHashKey)) / 2;
        await client.SplitShardAsync(new SplitShardRequest { StreamName = stream, ShardToSplit = shardId, NewStartingHashKey = middle.ToString() });
        await WaitActiveAsync(client, stream);
    }

    public async Task<List<string>> ShardIdsAsync(string stream)
    {
        using var client = Client();
        return (await client.ListShardsAsync(new ListShardsRequest { StreamName = stream })).Shards.Select(s => s.ShardId).ToList();
    }

    /// <summary>Every record in the stream, over all shards (closed ones included), from the oldest.</summary>
    public async Task<List<string>> ReadAllAsync(string stream)
    {
        using var client = Client();
        var result = new List<string>();
        foreach (var shard in (await client.ListShardsAsync(new ListShardsRequest { StreamName = stream })).Shards)
        {
            var iterator = (await client.GetShardIteratorAsync(new GetShardIteratorRequest
            {
                StreamName = stream, ShardId = shard.ShardId, ShardIteratorType = ShardIteratorType.TRIM_HORIZON,
            })).ShardIterator;
            while (iterator is not null)
            {
                var response = await client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator });
                result.AddRange((response.Records ?? []).Select(r => Encoding.UTF8.GetString(r.Data.ToArray())));
                if ((response.Records ?? []).Count == 0) break;
                iterator = response.NextShardIterator;
            }
        }
        return result;
    }
}
