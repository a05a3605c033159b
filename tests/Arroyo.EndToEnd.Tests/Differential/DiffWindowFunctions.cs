using static Arroyo.EndToEnd.Tests.Differential.DiffSuite;

namespace Arroyo.EndToEnd.Tests.Differential;

/// <summary>
/// Window functions over windowed input, one case per family: DuckDB computes the same OVER
/// clauses over the same windows in batch. Where rows tie in the window's ORDER BY, only functions
/// whose result does not depend on which tied row comes first are asked (ranks, peer-frame
/// aggregates); elsewhere the ORDER BY is total (k is unique within a window's groups).
/// </summary>
public static class DiffWindowFunctions
{
    private const string Groups = "SELECT tumble(interval '1 minute') AS w, k, count(*) AS c, sum(v) FILTER (WHERE v > 40) AS sv FROM events GROUP BY 1, 2";

    private static readonly string DuckGroups = $"SELECT {Tumble(60)} AS w, k, count(*) AS c, sum(v) FILTER (WHERE v > 40) AS sv FROM events GROUP BY ALL";

    public static readonly DiffGroup Group = new("window_functions", 2,
    [
        new("wf_rank_distribution",
            $"SELECT w, k, c, rank() OVER (PARTITION BY w ORDER BY c DESC) AS rk, dense_rank() OVER (PARTITION BY w ORDER BY c DESC) AS dr, percent_rank() OVER (PARTITION BY w ORDER BY c DESC) AS pr, cume_dist() OVER (PARTITION BY w ORDER BY c DESC) AS cd FROM ({Groups})",
            $"SELECT w, k, c, rank() OVER o AS rk, dense_rank() OVER o AS dr, percent_rank() OVER o AS pr, cume_dist() OVER o AS cd FROM ({DuckGroups}) WINDOW o AS (PARTITION BY w ORDER BY c DESC)"),
        new("wf_ntile",
            $"SELECT w, k, c, ntile(4) OVER (PARTITION BY w ORDER BY c DESC, k) AS q4, ntile(50) OVER (PARTITION BY w ORDER BY c DESC, k) AS q50 FROM ({Groups})",
            // DataFusion puts row i (0-based) of m rows in bucket i * min(n, m) / m + 1, which differs from
            // DuckDB's (the SQL standard's) where m is not a multiple of n: stated with row_number.
            $"SELECT w, k, c, (row_number() OVER o - 1) * least(4, count(*) OVER p) // count(*) OVER p + 1 AS q4, (row_number() OVER o - 1) * least(50, count(*) OVER p) // count(*) OVER p + 1 AS q50 FROM ({DuckGroups}) WINDOW o AS (PARTITION BY w ORDER BY c DESC, k), p AS (PARTITION BY w)"),
        new("wf_lag_lead",
            $"SELECT w, k, c, sv, lag(c) OVER (PARTITION BY w ORDER BY k) AS prev_c, lead(c, 2, -1) OVER (PARTITION BY w ORDER BY k) AS next2, lag(c, -1) OVER (PARTITION BY w ORDER BY k) AS neg, lag(sv, 1, 0) OVER (PARTITION BY w ORDER BY k) AS prev_sv, lag(sv) IGNORE NULLS OVER (PARTITION BY w ORDER BY k) AS prev_nn, lead(sv, 2) IGNORE NULLS OVER (PARTITION BY w ORDER BY k) AS next_nn FROM ({Groups})",
            // lag with a negative offset is a lead.
            $"SELECT w, k, c, sv, lag(c) OVER o AS prev_c, lead(c, 2, -1) OVER o AS next2, lead(c, 1) OVER o AS neg, lag(sv, 1, 0) OVER o AS prev_sv, lag(sv IGNORE NULLS) OVER o AS prev_nn, lead(sv, 2 IGNORE NULLS) OVER o AS next_nn FROM ({DuckGroups}) WINDOW o AS (PARTITION BY w ORDER BY k)"),
        new("wf_first_last_nth_default_frame",
            $"SELECT w, k, c, first_value(k) OVER (PARTITION BY w ORDER BY c DESC, k) AS top_k, last_value(k) OVER (PARTITION BY w ORDER BY c DESC, k) AS cur_k, nth_value(k, 2) OVER (PARTITION BY w ORDER BY c DESC, k) AS second_k, first_value(sv) IGNORE NULLS OVER (PARTITION BY w ORDER BY c DESC, k) AS first_sv FROM ({Groups})",
            $"SELECT w, k, c, first_value(k) OVER o AS top_k, last_value(k) OVER o AS cur_k, nth_value(k, 2) OVER o AS second_k, first_value(sv IGNORE NULLS) OVER o AS first_sv FROM ({DuckGroups}) WINDOW o AS (PARTITION BY w ORDER BY c DESC, k)"),
        new("wf_rows_frames",
            $"SELECT w, k, c, first_value(k) OVER (PARTITION BY w ORDER BY k ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING) AS f, last_value(k) OVER (PARTITION BY w ORDER BY k ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING) AS l, nth_value(c, 3) OVER (PARTITION BY w ORDER BY k ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING) AS n3, last_value(sv) IGNORE NULLS OVER (PARTITION BY w ORDER BY k ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING) AS lsv, sum(c) OVER (PARTITION BY w ORDER BY k ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING) AS sc, count(sv) OVER (PARTITION BY w ORDER BY k ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING) AS nsv, avg(c) OVER (PARTITION BY w ORDER BY k ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING) AS ac FROM ({Groups})",
            $"SELECT w, k, c, first_value(k) OVER o AS f, last_value(k) OVER o AS l, nth_value(c, 3) OVER o AS n3, last_value(sv IGNORE NULLS) OVER o AS lsv, sum(c) OVER o AS sc, count(sv) OVER o AS nsv, avg(c) OVER o AS ac FROM ({DuckGroups}) WINDOW o AS (PARTITION BY w ORDER BY k ROWS BETWEEN 1 PRECEDING AND 2 FOLLOWING)"),
        new("wf_running_aggregates_with_peers",
            // The default frame with ORDER BY is RANGE UNBOUNDED PRECEDING .. CURRENT ROW: rows tied in c are all in.
            $"SELECT w, k, c, sum(c) OVER (PARTITION BY w ORDER BY c) AS run_c, count(*) OVER (PARTITION BY w ORDER BY c) AS run_n, min(sv) OVER (PARTITION BY w ORDER BY c) AS run_min, max(k) OVER (PARTITION BY w ORDER BY c) AS run_maxk, avg(sv) OVER (PARTITION BY w ORDER BY c) AS run_avg FROM ({Groups})",
            $"SELECT w, k, c, sum(c) OVER o AS run_c, count(*) OVER o AS run_n, min(sv) OVER o AS run_min, max(k) OVER o AS run_maxk, avg(sv) OVER o AS run_avg FROM ({DuckGroups}) WINDOW o AS (PARTITION BY w ORDER BY c)"),
        new("wf_whole_partition_over_hop",
            "SELECT w, k, b, c, count(*) OVER (PARTITION BY w, b) AS n, sum(c) OVER (PARTITION BY w, b) AS total, min(k) OVER (PARTITION BY w, b) AS mink, max(c) OVER (PARTITION BY w, b) AS maxc FROM (SELECT hop(interval '20 seconds', interval '1 minute') AS w, k, b, count(*) AS c FROM events GROUP BY 1, 2, 3)",
            $"SELECT w, k, b, c, count(*) OVER p AS n, sum(c) OVER p AS total, min(k) OVER p AS mink, max(c) OVER p AS maxc FROM (SELECT {W(60, "hs")} AS w, k, b, count(*) AS c FROM {Hops("events", 20, 60)} GROUP BY ALL) WINDOW p AS (PARTITION BY w, b)"),
    ]);
}

public sealed class DifferentialWindowFunctionTests
{
    public static TheoryData<string> Cases() => DiffWindowFunctions.Group.CaseNames();

    [Theory, MemberData(nameof(Cases))]
    public void Matches_duckdb(string name) => DiffWindowFunctions.Group.Check(name);
}
