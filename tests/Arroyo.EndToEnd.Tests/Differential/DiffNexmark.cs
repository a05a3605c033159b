using System.Text.RegularExpressions;

namespace Arroyo.EndToEnd.Tests.Differential;

/// <summary>
/// Nexmark q9, q18 and q19 (streaming top-N over input that is not windowed, with retractions),
/// q4, q16 and q20 (updating aggregates and joins) and q21, q22 (string functions), exactly as bench/nexmark states them, against DuckDB over the same bounded input: the run's
/// nexmark source (a fixed event count, at parallelism 2 so the top-N state is split by key) also
/// writes every auction and bid it generates to files, which DuckDB reads. The updating outputs are
/// folded into their final tables and compared whole.
/// <para>Ties: ROW_NUMBER gives tied rows an arbitrary order in DataFusion; the engine breaks ties
/// by every input column ascending (see UpdatingTopNSpec), so the DuckDB side states that
/// order after the query's own. Timestamps are nanoseconds (the generator's events are 10 ns apart
/// per split), so DuckDB reads them as TIMESTAMP_NS.</para>
/// </summary>
public static class DiffNexmark
{
    // Enough for many bids per hot auction (q19's top 10 keeps changing) and every auction to close.
    private const int Events = 60_000;

    private const string BidColumns = "auction, bidder, price, channel, url, datetime, extra";

    public static readonly DiffSources Sources = new(_ => { }, EngineSources, DuckSources);

    public static readonly DiffGroup Group = new("nexmark_top_n", 2,
    [
        new("nexmark_q9", BenchSelect("q9"),
            """
            SELECT id, item_name, description, initial_bid, reserve, datetime, expires, seller, category, extra,
              auction, bidder, price, bid_datetime, bid_extra
            FROM (
              SELECT A.*, B.auction, B.bidder, B.price, B.datetime AS bid_datetime, B.extra AS bid_extra,
                ROW_NUMBER() OVER (PARTITION BY A.id ORDER BY B.price DESC, B.datetime ASC,
                  B.auction, B.bidder, B.price, B.channel, B.url, B.datetime, B.extra) AS rownum
              FROM auction A JOIN bid B ON A.id = B.auction
              WHERE B.datetime BETWEEN A.datetime AND A.expires
            )
            WHERE rownum <= 1
            """,
            Updating: true),
        new("nexmark_q18", BenchSelect("q18"),
            $"""
            SELECT {BidColumns}
            FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY bidder, auction ORDER BY datetime DESC, {BidColumns}) AS rank_number FROM bid)
            WHERE rank_number <= 1
            """,
            Updating: true),
        new("nexmark_q19", BenchSelect("q19"),
            $"""
            SELECT * FROM
            (SELECT *, ROW_NUMBER() OVER (PARTITION BY auction ORDER BY price DESC, {BidColumns}) AS rank_number FROM bid)
            WHERE rank_number <= 10
            """,
            Updating: true),
        new("nexmark_q16", BenchSelect("q16"),
            """
            SELECT channel, date_trunc('day', datetime) AS day, max(date_trunc('minute', datetime)) AS minute,
              count(*) AS total_bids,
              count(CASE WHEN price < 10000 THEN 1 END) AS rank1_bids,
              count(CASE WHEN price >= 10000 AND price < 1000000 THEN 1 END) AS rank2_bids,
              count(CASE WHEN price >= 1000000 THEN 1 END) AS rank3_bids,
              count(DISTINCT bidder) AS total_bidders,
              count(DISTINCT CASE WHEN price < 10000 THEN bidder END) AS rank1_bidders,
              count(DISTINCT CASE WHEN price >= 10000 AND price < 1000000 THEN bidder END) AS rank2_bidders,
              count(DISTINCT CASE WHEN price >= 1000000 THEN bidder END) AS rank3_bidders,
              count(DISTINCT auction) AS total_auctions,
              count(DISTINCT CASE WHEN price < 10000 THEN auction END) AS rank1_auctions,
              count(DISTINCT CASE WHEN price >= 10000 AND price < 1000000 THEN auction END) AS rank2_auctions,
              count(DISTINCT CASE WHEN price >= 1000000 THEN auction END) AS rank3_auctions
            FROM bid GROUP BY channel, date_trunc('day', datetime)
            """,
            Updating: true),
        // Its max aggregate sits over an inner join of append-only streams, so it is planned with
        // append-only accumulators (the join never retracts); the avg above it does retract.
        new("nexmark_q4", BenchSelect("q4"),
            """
            SELECT Q.category, AVG(Q.final) AS "AVG(Q.final)"
            FROM (
              SELECT MAX(B.price) AS final, A.category
              FROM auction A JOIN bid B ON A.id = B.auction
              WHERE B.datetime BETWEEN A.datetime AND A.expires
              GROUP BY A.id, A.category
            ) Q
            GROUP BY Q.category
            """,
            Updating: true),
        new("nexmark_q20", BenchSelect("q20"),
            """
            SELECT B.auction, B.bidder, B.price, B.channel, B.url, B.datetime, B.extra,
              A.item_name, A.description, A.initial_bid, A.reserve, A.datetime AS auction_datetime, A.expires, A.seller, A.category, A.extra AS auction_extra
            FROM bid AS B JOIN auction AS A ON B.auction = A.id WHERE A.category = 10
            """,
            Updating: true),
        // DuckDB's regexp_extract gives '' where there is no match, DataFusion's regexp_match NULL:
        // the WHERE keeps only rows whose ELSE matched, so the two agree on every row kept.
        new("nexmark_q21", BenchSelect("q21"),
            """
            SELECT auction, bidder, price, channel,
              CASE
                WHEN lower(channel) = 'apple' THEN '0'
                WHEN lower(channel) = 'google' THEN '1'
                WHEN lower(channel) = 'facebook' THEN '2'
                WHEN lower(channel) = 'baidu' THEN '3'
                ELSE regexp_extract(url, '(&|^)channel_id=([^&]*)', 2)
              END AS channel_id
            FROM bid
            WHERE regexp_matches(url, '(&|^)channel_id=([^&]*)') OR lower(channel) IN ('apple', 'google', 'facebook', 'baidu')
            """),
        new("nexmark_q22", BenchSelect("q22"),
            """
            SELECT auction, bidder, price, channel, split_part(url, '/', 4) AS dir1, split_part(url, '/', 5) AS dir2, split_part(url, '/', 6) AS dir3
            FROM bid
            """),
    ], sources: Sources);

    /// <summary>
    /// The windowed queries, in a run of their own: nexmark's watermark is the wall clock less
    /// 1 s and every event's time is within a millisecond of the source's start, so a run that
    /// takes longer than a second to read its input (the top-N group above, on a loaded machine)
    /// drops later bids as late.
    /// </summary>
    public static readonly DiffGroup Windows = new("nexmark_windows", 2,
    [
        // The 10 s windows: the event time is the bid's datetime.
        new("nexmark_q7", BenchSelect("q7"),
            """
            SELECT B.auction, B.price, B.bidder, strftime(B.datetime, '%Y-%m-%dT%H:%M:%S.%n') AS datetime, B.extra
            FROM (SELECT DISTINCT auction, price, bidder, datetime, extra, epoch_us(datetime) // 10000000 AS w FROM bid) B
            JOIN (SELECT epoch_us(datetime) // 10000000 AS w, max(price) AS maxprice FROM bid GROUP BY ALL) B1
            ON B.price = B1.maxprice AND B.w = B1.w
            """),
        // Every 2 s hop window of 10 s holding a bid: the five starting at or before it.
        new("nexmark_q5", BenchSelect("q5"),
            """
            WITH c AS (SELECT auction, epoch_us(datetime) // 2000000 - i AS w, count(*) AS num FROM bid, range(0, 5) r(i) GROUP BY ALL)
            SELECT c.auction, c.num FROM c JOIN (SELECT w, max(num) AS maxn FROM c GROUP BY w) m ON c.w = m.w AND c.num >= m.maxn
            """),
    ], sources: Sources);

    /// <summary>The SELECT that bench/nexmark/<paramref name="query"/>.sql inserts into its sink.</summary>
    private static string BenchSelect(string query)
    {
        var match = Regex.Match(BenchText(query), @"INSERT INTO out (?<select>.*?);\s*$", RegexOptions.Singleline);
        if (!match.Success) throw new InvalidOperationException($"bench/nexmark/{query}.sql has no 'INSERT INTO out …;' at its end");
        return match.Groups["select"].Value;
    }

    /// <summary>The auction and bid views, as bench/nexmark/q9.sql (which has both) declares them.</summary>
    private static string BenchViews() =>
        string.Join("\n", Regex.Matches(BenchText("q9"), @"^CREATE VIEW .*?;", RegexOptions.Singleline | RegexOptions.Multiline).Select(m => m.Value));

    private static string BenchText(string query) => File.ReadAllText(Path.Combine(RepoRoot(), "bench", "nexmark", query + ".sql"));

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Arroyo.slnx"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Arroyo.slnx) above " + AppContext.BaseDirectory);
    }

    /// <summary>The nexmark source, the views of bench/nexmark, and sinks that keep every auction and bid the source generated.</summary>
    private static string EngineSources(string dir) => $"""
        CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '100000000', message_count = '{Events}');
        {BenchViews()}
        CREATE TABLE auctions_file WITH (connector = 'single_file', path = '{Path.Combine(dir, "auctions.json")}', format = 'json', type = 'sink');
        CREATE TABLE bids_file WITH (connector = 'single_file', path = '{Path.Combine(dir, "bids.json")}', format = 'json', type = 'sink');
        INSERT INTO auctions_file SELECT * FROM auction;
        INSERT INTO bids_file SELECT * FROM bid;

        """;

    private static string DuckSources(string dir) => $$"""
        CREATE VIEW auction AS SELECT id, item_name, description, initial_bid, reserve,
            CAST(datetime AS TIMESTAMP_NS) AS datetime, CAST(expires AS TIMESTAMP_NS) AS expires, seller, category, extra
          FROM read_ndjson('{{Path.Combine(dir, "auctions.json")}}', columns = {'id': 'BIGINT', 'item_name': 'VARCHAR',
            'description': 'VARCHAR', 'initial_bid': 'BIGINT', 'reserve': 'BIGINT', 'datetime': 'VARCHAR', 'expires': 'VARCHAR',
            'seller': 'BIGINT', 'category': 'BIGINT', 'extra': 'VARCHAR'});
        CREATE VIEW bid AS SELECT auction, bidder, price, channel, url, CAST(datetime AS TIMESTAMP_NS) AS datetime, extra
          FROM read_ndjson('{{Path.Combine(dir, "bids.json")}}', columns = {'auction': 'BIGINT', 'bidder': 'BIGINT',
            'price': 'BIGINT', 'channel': 'VARCHAR', 'url': 'VARCHAR', 'datetime': 'VARCHAR', 'extra': 'VARCHAR'});
        """;
}

public sealed class DifferentialNexmarkTests
{
    public static TheoryData<string> Cases() => DiffNexmark.Group.CaseNames();

    [Theory, MemberData(nameof(Cases))]
    public void Matches_duckdb(string name) => DiffNexmark.Group.Check(name);

    public static TheoryData<string> WindowCases() => DiffNexmark.Windows.CaseNames();

    /// <summary>q5 and q7, both planned as the rows at the window's maximum (Logical/WindowMaxJoin).</summary>
    [Theory, MemberData(nameof(WindowCases))]
    public void Windowed_matches_duckdb(string name) => DiffNexmark.Windows.Check(name);
}
