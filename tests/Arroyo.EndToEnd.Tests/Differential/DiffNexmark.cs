using System.Text.RegularExpressions;

namespace Arroyo.EndToEnd.Tests.Differential;

/// <summary>
/// Nexmark q9, q18 and q19 (streaming top-N over input that is not windowed, with retractions),
/// exactly as bench/nexmark states them, against DuckDB over the same bounded input: the run's
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
}
