using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Arroyo.Connectors.Builtin.Nexmark;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Dataflow;

namespace Arroyo.Engine.Tests.Connectors;

/// <summary>
/// Pins the nexmark generator's output: a change to how events are generated (faster RNG use,
/// other buffers, skipped columns) must not change a single value, since the differential
/// tests and anyone comparing runs depend on the same seed/split/offset giving the same events.
/// The split starts at time 0, so timestamps are pinned too.
/// </summary>
public sealed class NexmarkPinnedEventsTests
{
    private const int Events = 20_000;

    private static NexmarkSplit Split() => new(Index: 0, FirstEventId: 1, MaxEvents: Events, InterEventDelay: 10, BaseTime: 0);

    private static Schema Output => Schema.WithTimestamp(NexmarkConnector.Fields);

    /// <summary>Every event of the split, generated in batches of the given sizes (cycled).</summary>
    private static List<string> Generate(ColumnUsage? usage, params int[] batchSizes) => Generate(usage, false, batchSizes);

    /// <summary>As above; with <paramref name="reuse"/> each batch is read before the next overwrites its arrays.</summary>
    private static List<string> Generate(ColumnUsage? usage, bool reuse, params int[] batchSizes)
    {
        var builder = new NexmarkBatchBuilder(Output, usage, reuse);
        var split = Split();
        var rows = new List<string>();
        for (var b = 0; split.HasNext; b++)
        {
            var n = (int)Math.Min((ulong)batchSizes[b % batchSizes.Length], split.MaxEvents - split.Count);
            var batch = builder.Generate(split, n);
            for (var r = 0; r < batch.RowCount; r++) rows.Add(RowText(batch, r));
        }
        return rows;
    }

    private static string RowText(Batch batch, int row)
    {
        var text = new StringBuilder();
        foreach (var column in batch.Columns)
        {
            text.Append('|');
            if (column is not StructColumn s) text.Append(Value(column, row));
            else if (s.IsNull(row)) text.Append('-');
            else text.AppendJoin(',', s.Children.Select(child => Value(child, row)));
        }
        return text.ToString();
    }

    private static string Value(Column column, int row) => Convert.ToString(column.GetValue(row), CultureInfo.InvariantCulture) ?? "null";

    private static string Digest(IEnumerable<string> rows) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", rows))))[..16];

    [Fact]
    public void The_first_events_of_a_split_are_pinned()
    {
        var rows = Generate(null, 4096);
        Assert.Equal(Events, rows.Count);
        // One event of each kind, and a digest of all of them (timestamps included).
        string[] firsts = [rows[0], rows[1], rows.First(r => r.Split('|')[1] != "-"), rows.First(r => r.Split('|')[2] != "-")];
        Assert.Equal(PinnedRows, firsts);
        Assert.Equal(PinnedDigest, Digest(rows));
    }

    [Fact]
    public void Batch_boundaries_do_not_change_the_events()
    {
        Assert.Equal(Generate(null, 4096), Generate(null, 1, 7, 777, 50, 3000));
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2, 5, 6 })] // q0, q1: auction, bidder, price, datetime, extra
    [InlineData(new[] { 0, 2 })] // q2: auction, price (bidder's, channel's and extra's draws skipped)
    [InlineData(new[] { 1, 6 })] // auction's and price's draws skipped
    [InlineData(new[] { 3, 4 })] // channel and url only
    public void Reading_fewer_columns_and_kinds_leaves_the_generated_values_unchanged(int[] fields)
    {
        var all = Generate(null, 4096);
        var bidFields = new FieldUsage(fields.ToDictionary(i => i, _ => FieldUsage.All));
        var usage = new ColumnUsage([null, null, bidFields, FieldUsage.All]) { RowsWithAnyNonNull = new HashSet<int> { 2 } };
        var pruned = Generate(usage, 4096);
        // Unread fields are placeholders (empty, zero) and unread structs all placeholders: compare what is read.
        string Read(string row)
        {
            var parts = row.Split('|');
            var bid = parts[3].Split(',');
            return string.Join(",", fields.Select(i => bid[i])) + "|" + parts[4];
        }
        Assert.Equal(4600 * Events / 5000, pruned.Count);
        Assert.Equal(all.Where(r => r.Split('|')[3] != "-").Select(Read), pruned.Select(Read));
    }

    private static ColumnUsage BidsOnly() =>
        new([null, null, FieldUsage.All, FieldUsage.All]) { RowsWithAnyNonNull = new HashSet<int> { 2 } };

    [Fact]
    public void Reused_buffers_give_the_same_events_batch_after_batch()
    {
        // Growing and shrinking batches: a smaller batch after a larger one writes into its arrays.
        int[] sizes = [4096, 1, 7, 777, 50, 3000];
        Assert.Equal(Generate(null, sizes), Generate(null, reuse: true, sizes));
        Assert.Equal(Generate(BidsOnly(), sizes), Generate(BidsOnly(), reuse: true, sizes));
    }

    [Fact]
    public void Reused_buffers_are_written_again_and_other_kinds_slots_are_zero()
    {
        var builder = new NexmarkBatchBuilder(Output, null, reuseBuffers: true);
        var split = Split();
        // 510 events: the second batch's kinds fall on other rows than the first's.
        var first = builder.Generate(split, 510);
        var firstPersons = Enumerable.Range(0, first.RowCount).Where(r => !first.Columns[0].IsNull(r)).ToHashSet();
        var firstIds = (PrimitiveColumn<long>)((StructColumn)first.Columns[0]).Children[0];
        var firstExtra = (StringColumn)((StructColumn)first.Columns[2]).Children[6];
        var second = builder.Generate(split, 400);
        var person = (StructColumn)second.Columns[0];
        var ids = (PrimitiveColumn<long>)person.Children[0];
        Assert.Same(firstIds.Values, ids.Values);
        Assert.Same(firstExtra.Data, ((StringColumn)((StructColumn)second.Columns[2]).Children[6]).Data);
        Assert.Same(first.Timestamps.Values, second.Timestamps.Values);
        // The first batch had persons where the second has bids: their id slots are cleared again.
        var nullRows = Enumerable.Range(0, second.RowCount).Where(person.IsNull).ToList();
        Assert.Contains(nullRows, firstPersons.Contains);
        Assert.All(nullRows, r => Assert.Equal(0, ids.Values[r]));

        // Without reuse every batch has arrays of its own.
        var fresh = new NexmarkBatchBuilder(Output, null);
        var a = fresh.Generate(Split(), 500);
        var b = fresh.Generate(Split(), 500);
        Assert.NotSame(a.Timestamps.Values, b.Timestamps.Values);
    }

    [Fact]
    public void A_draw_below_a_bound_is_the_high_half_of_the_128_bit_product()
    {
        // Below multiplies 32-bit halves (so the generator's methods stay in the ReadyToRun
        // image); it must equal the 128-bit product's high half for every bound, small or not.
        var bounds = new List<ulong> { 1, 2, 50, 1000, uint.MaxValue, (ulong)uint.MaxValue + 1, ulong.MaxValue, ulong.MaxValue - 1 };
        var random = new Random(21);
        for (var i = 0; i < 2000; i++) bounds.Add((ulong)random.NextInt64() >> random.Next(64) | 1);
        foreach (var bound in bounds)
        {
            var draws = EventRandom.ForEvent(bound);
            var reference = EventRandom.ForEvent(bound);
            for (var i = 0; i < 200; i++)
            {
                var expected = (ulong)(((UInt128)reference.Next() * bound) >> 64);
                Assert.Equal(expected, draws.Below(bound));
            }
        }
    }

    [Fact]
    public void Prices_equal_the_pow_formula_everywhere_including_next_to_whole_numbers()
    {
        static long Reference(double d) => (long)(Math.Pow(10.0, d * 6.0) * 100.0);
        var random = new Random(15);
        for (var i = 0; i < 1_000_000; i++)
        {
            var d = (random.NextInt64() >>> 11) * (1.0 / (1L << 53));
            Assert.Equal(Reference(d), NexmarkGenerator.Price(d));
        }
        // The draws whose price is a whole number or a hair either side of one, where the table
        // and polynomial alone could truncate the other way: every price 100..10^8 sampled.
        for (var price = 100L; price < 100_000_000L; price += 1 + price / 1000)
        {
            var d = Math.Log10(price / 100.0) / 6.0;
            for (var step = 0; step < 40; step++)
            {
                Assert.Equal(Reference(d), NexmarkGenerator.Price(d));
                var up = d;
                for (var k = 0; k <= step; k++) up = Math.BitIncrement(up);
                Assert.Equal(Reference(up), NexmarkGenerator.Price(up));
                d = Math.BitDecrement(d);
            }
        }
    }

    // Columns: |person|auction|bid|_timestamp, a struct's fields comma-separated, '-' for a null struct.
    private static readonly string[] PinnedRows =
    [
        "|-|-|1000,1000,1830,channel-5958,https://www.nexmark.com/acj/78Su/HhC/item.htm?query=1&channel_id=5958,30,SkUGm8XH0uGcglZrDfC6k9EMUFRNPrYtTYnEBxgYrtVRlxxuZhy70g6sZBvNSj4mvutlOZCIb73L1pbRsZ6yd1LgKozJaaFNpdIpyyx5j7CrhggQ2xRCUQUBk1QhkusWmwAWi0T16wxaOXJrOpDRLWpQVDdWOeXtZhV2VifD|30",
        "|-|-|1000,1009,60123,Google,https://www.nexmark.com/abo/eoci/cidro/item.htm?query=1,60,NpLOgbYHxGXUBfONuffyZ7gJ3Jg3l1H69ZMCovXEd1d2Ogd7XyTp4KwPXw9PaAWZcC5FnPAODw9x8ypocIXt71Twl2DDtx4QFL7DxxizjnI20ERycBa0FABB0KHdXmBs46itrY9QGaipwHNMZDCnVAJUYEw1u0Rd0n39N3tS|60",
        "|1001,Saul Smith,OV7@YiKV.com,9690 0823 6272 3979,Portland,AZ,490,HHe9EOKMi2vpvI3Oc5SXLWLrR1OTO4pJiQ8a8l4a2XOPUdb4Nz96uJL4ZOeW34EWVwTtQUVoD3ED8MOCDYOI8ZUEXFitSUGJjtoj3ATQMFgsRDyKotOPNqU7qzxHMwLGlFpgTmVhH0vL0|-|-|490",
        "|-|1001,zPq5NmBhnMv5nGgIAFdxMJPnYZiCnu05gPzZbNkI9yH4beQ6FQqCHpLiDM6WEB2CMLTTXcXTeuIdRoI0q0,hXfvPPvXr,105,207,10,10176,1000,13,ectgNMFrqEOOApMEpgWTAfD5FiPhQhreD57iVdhuijmsA2sWOOqNlJwpO9yYSqjAeWS7AUCnmqFqtPJ5FCvJGvdqZkjNTFb4dgOJW0s54Gl5fDpcKzPNpXmdugQpzgBxnfN2f3FL185ND1t45wdxdasikz79kJyhoqRRLdBfBovNRrl1xYyZkN3il0wtCEK2M75MvidtkFXQFoCeXyF68dDYAVUBGaT43TeWPMNjaBnQ8kNhifxAKg1ueGO7kHRH3fpy4nUau5GgbzFMzKgYCL2HwHocIPhqJL2KJMrN6Bxgejy87BLDg2rjRfztycsgzBklIS4DuqU04E81kdz4AAc2AaPy9ZL1wut7PgF1p|-|10",
    ];

    private const string PinnedDigest = "8943415298EA0BDB";
}
