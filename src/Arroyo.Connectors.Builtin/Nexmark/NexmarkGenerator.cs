using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Arroyo.Connectors.Builtin.Nexmark;

/// <summary>
/// The Nexmark model (persons : auctions : bids = 1 : 3 : 46 per 50 events, ids, hot
/// sellers/bidders/auctions, prices, auction lengths, out-of-order groups of 50) as the
/// reference's generator defines it. Unlike the reference, every random choice of an event
/// comes from a generator seeded by the event's id, so an event's content does not depend
/// on where a run started: a restored or re-split run produces the same events. Text fields
/// are slices of a fixed random alphanumeric pool, so no text is generated per event.
/// </summary>
internal static class NexmarkGenerator
{
    public const ulong PersonProportion = 1;
    public const ulong AuctionProportion = 3;
    public const ulong BidProportion = 46;
    public const ulong TotalProportion = PersonProportion + AuctionProportion + BidProportion;
    public const ulong OutOfOrderGroupSize = 50;
    private const ulong HotAuctionRatio = 100;
    private const ulong HotBidderRatio = 100;
    private const ulong HotSellerRatio = 100;
    public const ulong ConfigHotAuctionRatio = 2;
    private const ulong ConfigHotSellerRatio = 4;
    public const ulong ConfigHotBiddersRatio = 4;
    private const ulong PersonIdLead = 10;
    private const ulong AuctionIdLead = 10;
    private const ulong NumInflightAuctions = 100;
    private const ulong NumActivePeople = 1000;
    public const long FirstAuctionId = 1000;
    public const long FirstPersonId = 1000;
    private const long FirstCategoryId = 10;
    private const int NumCategories = 5;
    public const int AvgPersonByteSize = 200;
    public const int AvgAuctionByteSize = 500;
    public const int ChannelsNumber = 10_000;

    /// <summary>Unbounded streams still have a maximum, as in the reference.</summary>
    public const ulong UnboundedMaxEvents = ulong.MaxValue / (TotalProportion * AvgAuctionByteSize);

    private const int PoolSize = 1 << 16;

    /// <summary>Random alphanumerics that text fields are sliced from (fixed seed: the same in every process).</summary>
    public static readonly byte[] Pool = CreatePool();

    public static readonly byte[][] Names = CreateNames();
    public static readonly byte[][] Cities = Utf8(["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"]);
    public static readonly byte[][] States = Utf8(["AZ", "CA", "ID", "OR", "WA", "WY"]);
    public static readonly byte[][] HotChannels = Utf8(["Google", "Facebook", "Baidu", "Apple"]);
    public static readonly byte[][] HotUrls = Utf8(
    [
        "https://www.nexmark.com/abo/eoci/cidro/item.htm?query=1",
        "https://www.nexmark.com/eoax/oad/cidro/item.htm?query=1",
        "https://www.nexmark.com/abo/jack/cidro/item.htm?query=1",
        "https://www.nexmark.com/abo/micah/cidro/item.htm?query=1",
    ]);

    public enum Kind : byte
    {
        Person,
        Auction,
        Bid,
    }

    /// <summary>The event number of the <paramref name="count"/>-th event of a split, shuffled within groups of 50.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong AdjustedEventNumber(ulong count)
    {
        var number = 1 + count;
        return number / OutOfOrderGroupSize * OutOfOrderGroupSize + number * 953 % OutOfOrderGroupSize;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Kind KindOf(ulong eventId)
    {
        var rem = eventId % TotalProportion;
        return rem < PersonProportion ? Kind.Person : rem < PersonProportion + AuctionProportion ? Kind.Auction : Kind.Bid;
    }

    public static long LastBase0PersonId(ulong eventId)
    {
        var epoch = eventId / TotalProportion;
        var offset = eventId % TotalProportion;
        if (offset >= PersonProportion) offset = PersonProportion - 1;
        return (long)(epoch * PersonProportion + offset);
    }

    public static long LastBase0AuctionId(ulong eventId)
    {
        var epoch = (long)(eventId / TotalProportion);
        var offset = (long)(eventId % TotalProportion);
        if (offset < (long)PersonProportion)
        {
            epoch--;
            offset = (long)AuctionProportion - 1;
        }
        else if (offset >= (long)(PersonProportion + AuctionProportion))
        {
            offset = (long)AuctionProportion - 1;
        }
        else
        {
            offset -= (long)PersonProportion;
        }
        return Math.Max(0, epoch * (long)AuctionProportion + offset);
    }

    public static long NextBase0PersonId(ulong eventId, ref EventRandom random)
    {
        var people = LastBase0PersonId(eventId);
        var active = Math.Min(people, (long)NumActivePeople);
        var n = (long)random.Below((ulong)active + PersonIdLead);
        return people - active + n;
    }

    public static long NextBase0AuctionId(ulong eventId, ref EventRandom random)
    {
        var max = LastBase0AuctionId(eventId);
        var min = max < (long)NumInflightAuctions ? 0 : max - (long)NumInflightAuctions;
        return min + (long)random.Below((ulong)(max + 1 + (long)AuctionIdLead - min));
    }

    public static long NextPrice(ref EventRandom random) => Price(random.NextDouble());

    /// <summary>
    /// <c>(long)(Math.Pow(10.0, d * 6.0) * 100.0)</c>, the same value, mostly without calling
    /// <c>pow</c> (which cost as much as the rest of a bid): 10^x = 2^(x·log2 10) from a table of
    /// 2^(j/4096) and a cubic for the rest. That approximation is within 5e-15 of the true value
    /// (relative) and <c>pow</c> within about 3e-16, so unless the approximation lies within
    /// 1e-12 of a whole number (then <c>pow</c> decides, about once in 10^5 prices) both
    /// truncate to the same integer. A test compares the two next to every price boundary.
    /// </summary>
    public static long Price(double d)
    {
        var x = d * 6.0;
        var scaled = x * (Log2Of10 * ExpTableSize);
        var k = (int)scaled;
        // Exact: scaled minus its integer part loses no bits.
        var t = (scaled - k) * (Ln2 / ExpTableSize);
        var poly = Math.FusedMultiplyAdd(t, Math.FusedMultiplyAdd(t, Math.FusedMultiplyAdd(t, 1.0 / 6, 0.5), 1.0), 1.0);
        var value = Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s_exp2Fraction), k & (ExpTableSize - 1)) * poly
            * Math.ScaleB(100.0, k / ExpTableSize);
        var floor = Math.Floor(value);
        var fraction = value - floor;
        var margin = value * 1e-12;
        if (fraction < margin || fraction > 1.0 - margin) return (long)(Math.Pow(10.0, x) * 100.0);
        return (long)floor;
    }

    private const int ExpTableSize = 4096;
    private const double Log2Of10 = 3.321928094887362;
    private const double Ln2 = 0.6931471805599453;
    private static readonly double[] s_exp2Fraction = Enumerable.Range(0, ExpTableSize).Select(j => Math.Pow(2.0, j / (double)ExpTableSize)).ToArray();

    public static long Seller(ulong eventId, ref EventRandom random)
    {
        var seller = random.Below(ConfigHotSellerRatio) > 0
            ? LastBase0PersonId(eventId) / (long)HotSellerRatio * (long)HotSellerRatio
            : NextBase0PersonId(eventId, ref random);
        return seller + FirstPersonId;
    }

    public static long Category(ref EventRandom random) => FirstCategoryId + (long)random.Below(NumCategories);

    public static long BidAuction(ulong eventId, ref EventRandom random)
    {
        var auction = random.Below(ConfigHotAuctionRatio) > 0
            ? LastBase0AuctionId(eventId) / (long)HotAuctionRatio * (long)HotAuctionRatio
            : NextBase0AuctionId(eventId, ref random);
        return auction + FirstAuctionId;
    }

    public static long Bidder(ulong eventId, ref EventRandom random)
    {
        var bidder = random.Below(ConfigHotBiddersRatio) > 0
            ? LastBase0PersonId(eventId) / (long)HotBidderRatio * (long)HotBidderRatio
            : NextBase0PersonId(eventId, ref random);
        return bidder + FirstPersonId;
    }

    /// <summary>How long an auction runs: on average until the auction 100 ahead is generated.</summary>
    public static long AuctionLength(NexmarkSplit split, ulong count, long timestamp, ref EventRandom random)
    {
        var numEventsForAuctions = NumInflightAuctions * TotalProportion / AuctionProportion;
        var future = split.BaseTime + split.InterEventDelay * (long)(AdjustedEventNumber(count) + numEventsForAuctions);
        var horizon = Math.Max(0, future - timestamp);
        return 1 + (long)Math.Max(random.Below(1 + (ulong)horizon * 2), 1);
    }

    /// <summary>A random slice of the pool of length in [min, max).</summary>
    public static ReadOnlySpan<byte> RandomString(ref EventRandom random, int min, int max)
    {
        var length = min + (int)random.Below((ulong)(max - min));
        return Slice(ref random, length);
    }

    public static ReadOnlySpan<byte> Slice(ref EventRandom random, int length)
    {
        if (length <= 0) return [];
        var start = (int)random.Below((ulong)(PoolSize - length));
        return Pool.AsSpan(start, length);
    }

    private static byte[] CreatePool()
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        var random = new EventRandom(0x4E45584D41524BUL);
        var pool = new byte[PoolSize];
        for (var i = 0; i < pool.Length; i++) pool[i] = (byte)alphabet[(int)random.Below((ulong)alphabet.Length)];
        return pool;
    }

    private static byte[][] CreateNames()
    {
        string[] first = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
        string[] last = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];
        return first.SelectMany(f => last.Select(l => Encoding.UTF8.GetBytes(f + " " + l))).ToArray();
    }

    private static byte[][] Utf8(string[] values) => values.Select(Encoding.UTF8.GetBytes).ToArray();
}

/// <summary>splitmix64: a tiny, fast generator; seeded per event so events are reproducible one by one.</summary>
internal struct EventRandom
{
    private ulong _state;

    public EventRandom(ulong seed)
    {
        _state = seed;
    }

    public static EventRandom ForEvent(ulong eventId) => new(eventId * 0xD1B54A32D192ED03UL ^ 0x632BE59BD9B4E019UL);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound) (bound ≥ 1), by multiply-shift: the high half of the 128-bit product.</summary>
    /// <remarks>
    /// Computed from 32-bit halves rather than by <see cref="Math.BigMul(ulong, ulong, out ulong)"/>,
    /// whose BMI2 path keeps every method it is inlined into (the generator's per-event ones) out
    /// of the ReadyToRun image, so each run started them as unoptimised JIT code. Bounds are counts
    /// of people and auctions, below 2^32, where two multiplies give the same high half.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Below(ulong bound)
    {
        var x = Next();
        ulong xLow = (uint)x, xHigh = x >> 32;
        if (bound <= uint.MaxValue) return (xHigh * bound + ((xLow * bound) >> 32)) >> 32;
        ulong bLow = (uint)bound, bHigh = bound >> 32;
        var lowLow = xLow * bLow;
        var highLow = xHigh * bLow;
        var cross = (lowLow >> 32) + (uint)highLow + xLow * bHigh;
        return xHigh * bHigh + (highLow >> 32) + (cross >> 32);
    }

    /// <summary>Moves past <paramref name="draws"/> values without computing them (the state is a counter), for fields nobody reads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Skip(ulong draws) => _state += 0x9E3779B97F4A7C15UL * draws;

    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
}
