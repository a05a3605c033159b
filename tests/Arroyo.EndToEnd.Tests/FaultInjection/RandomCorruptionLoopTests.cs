using System.Globalization;
using System.Text;
using Arroyo.Core.Errors;
using Arroyo.State.Checkpoints;
using Arroyo.Storage;

namespace Arroyo.EndToEnd.Tests.FaultInjection;

/// <summary>
/// Hundreds of random damages to the newest checkpoint (and to pipeline.json) of a real run's
/// state dir, each opened the way the CLI opens it: never a crash, never the damaged
/// checkpoint restored, never different state restored than the previous checkpoint holds —
/// always a fallback with a warning naming the file, or a clear refusal.
/// </summary>
/// <remarks>
/// The state dir comes from the real CLI (<see cref="FaultTemplate"/>); the opening runs in
/// process, through the same <see cref="StateDirectory.OpenAsync"/> the CLI calls, over an
/// in-memory copy of the dir: 250 CLI restarts would take minutes, these take a second. That
/// the CLI acts on what OpenAsync decides (restores and writes exactly once) is what
/// <see cref="CorruptionRestartTests"/> checks for every file kind.
/// </remarks>
public sealed class RandomCorruptionLoopTests(FaultTemplate template) : IClassFixture<FaultTemplate>
{
    private static readonly string[] s_tables = ["i", "watermark", "window_aggregates", "updating_aggregates.v2", "f", "fr"];

    [Fact]
    public async Task Two_hundred_single_byte_corruptions_fall_back_or_are_refused()
    {
        var (fallbacks, refusals) = await RunLoopAsync(200, seed: 18, (bytes, random) =>
        {
            var offset = random.Next(bytes.Length);
            bytes[offset] ^= (byte)random.Next(1, 256);
            return bytes;
        });
        Assert.Equal(200, fallbacks + refusals);
        Assert.True(fallbacks > 0 && refusals > 0, $"{fallbacks} fallbacks, {refusals} refusals");
    }

    [Fact]
    public async Task Fifty_truncations_fall_back_or_are_refused()
    {
        var (fallbacks, refusals) = await RunLoopAsync(50, seed: 19, (bytes, random) => bytes[..random.Next(bytes.Length)]);
        Assert.Equal(50, fallbacks + refusals);
    }

    private async Task<(int Fallbacks, int Refusals)> RunLoopAsync(int iterations, int seed, Func<byte[], Random, byte[]> damage)
    {
        var pristine = template.Files();
        pristine.Remove(StatePaths.Lease);
        var query = File.ReadAllText(template.Pipeline.QueryFile);
        var nodes = pristine.Keys.Select(NodeOf).OfType<int>().Distinct().Order().ToList();

        // What a restore of the previous checkpoint holds, when nothing is damaged.
        var withoutNewest = new Dictionary<string, byte[]>(pristine);
        withoutNewest.Remove(StatePaths.Manifest(template.Newest));
        var (expected, _) = await OpenAsync(withoutNewest, query);
        Assert.Equal(template.Previous, expected.RestoredEpoch);
        var expectedState = Fingerprint(expected, nodes);

        var targets = pristine.Keys.Where(k => k.StartsWith(StatePaths.EpochDirectory(template.Newest), StringComparison.Ordinal))
            .Append(StatePaths.Pipeline).Order(StringComparer.Ordinal).ToList();
        var random = new Random(seed);
        int fallbacks = 0, refusals = 0;
        for (var i = 0; i < iterations; i++)
        {
            var key = targets[random.Next(targets.Count)];
            var files = new Dictionary<string, byte[]>(pristine) { [key] = damage((byte[])pristine[key].Clone(), random) };
            var what = $"iteration {i}: {key} damaged";
            CheckpointStore restored;
            List<string> log;
            try
            {
                (restored, log) = await OpenAsync(files, query);
            }
            catch (UserException refusal)
            {
                // The previous checkpoint is intact: only a damaged pipeline.json leaves nothing safe to restore.
                Assert.True(key == StatePaths.Pipeline, $"{what}: refused ({refusal.Message})");
                Assert.Contains("--force", refusal.Hint);
                refusals++;
                continue;
            }
            Assert.True(key != StatePaths.Pipeline, $"{what}: accepted");
            Assert.True(restored.RestoredEpoch == template.Previous, $"{what}: restored {restored.RestoredEpoch}");
            Assert.True(log.Any(l => l.Contains($"warning: checkpoint {template.Newest} cannot be restored ({key}", StringComparison.Ordinal)),
                $"{what}: no warning naming it:\n{string.Join("\n", log)}");
            Assert.True(expectedState == Fingerprint(restored, nodes), $"{what}: restored other state than checkpoint {template.Previous} holds");
            fallbacks++;
        }
        return (fallbacks, refusals);
    }

    private static async Task<(CheckpointStore Store, List<string> Log)> OpenAsync(Dictionary<string, byte[]> files, string query)
    {
        var store = new InMemoryObjectStore();
        foreach (var (key, bytes) in files) await store.PutAsync(key, bytes);
        var log = new List<string>();
        var (checkpoints, lease) = await StateDirectory.OpenAsync(store, new StateDirectory.OpenOptions(query, "query", 1, false, new Arroyo.Tests.Shared.ListLogger(log)));
        await lease.DisposeAsync();
        return (checkpoints, log);
    }

    /// <summary>Every restored row of every operator, as text.</summary>
    private static string Fingerprint(CheckpointStore checkpoints, List<int> nodes)
    {
        var text = new StringBuilder();
        foreach (var node in nodes)
        {
            var reader = checkpoints.CreateReader(node, 0, 1);
            foreach (var table in s_tables)
            {
                foreach (var batch in reader.ReadTable(table, allRows: true))
                {
                    text.Append(CultureInfo.InvariantCulture, $"{node}/{table}:");
                    for (var r = 0; r < batch.RowCount; r++)
                    {
                        foreach (var column in batch.Columns) text.Append(CultureInfo.InvariantCulture, $"{column.GetValue(r)},");
                        text.Append(';');
                    }
                    text.Append('\n');
                }
            }
        }
        return text.ToString();
    }

    private static int? NodeOf(string key)
    {
        var start = key.IndexOf("/node-", StringComparison.Ordinal);
        if (start < 0) return null;
        start += "/node-".Length;
        return int.Parse(key.AsSpan(start, key.IndexOf('/', start) - start), CultureInfo.InvariantCulture);
    }
}
