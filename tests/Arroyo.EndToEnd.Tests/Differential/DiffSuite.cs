namespace Arroyo.EndToEnd.Tests.Differential;

/// <summary>
/// The differential cases, by group (one CLI run per group). The DuckDB side states the same
/// question as a batch query; where DataFusion (the reference's SQL semantics) and DuckDB
/// legitimately differ, the DuckDB side is adjusted to DataFusion's semantics, with a comment.
/// </summary>
public static class DiffSuite
{
    /// <summary>DuckDB: the window struct of tumble(secs) (or of a window starting at <paramref name="start"/>).</summary>
    internal static string W(int secs, string start) => $"{{'start': {start}, 'end': {start} + to_seconds({secs})}}";

    internal static string Tumble(int secs, string t = "ts") => W(secs, $"tb({t}, {secs})");

    /// <summary>DuckDB: events with one row per hop window (slide, width) each event belongs to, start in column hs.</summary>
    internal static string Hops(string table, int slide, int width, string t = "ts") =>
        $"(SELECT e.*, tb(e.{t}, {slide}) - to_seconds(hop_i * {slide}) AS hs FROM {table} e, range(0, {width / slide}) r(hop_i))";

    /// <summary>
    /// DuckDB: rows of <paramref name="table"/> with a session id per key (sid): a new session starts when
    /// the gap to the previous event of the key is at least <paramref name="gapSecs"/> (the engine's rule).
    /// </summary>
    private static string Sessions(string table, string key, int gapSecs, string t = "ts")
    {
        var partition = key.Length == 0 ? "" : $"PARTITION BY {key}";
        return $"""
            (SELECT *, sum(nw) OVER ({partition} ORDER BY {t} ROWS UNBOUNDED PRECEDING) AS sid FROM (
               SELECT *, CASE WHEN lag({t}) OVER ({partition} ORDER BY {t}) IS NULL
                               OR {t} - lag({t}) OVER ({partition} ORDER BY {t}) >= to_seconds({gapSecs}) THEN 1 ELSE 0 END AS nw
               FROM {table}))
            """;
    }

    // DataFusion's median of an integer column is an integer: the mean of the two middle values,
    // truncated (integer division). DuckDB's is a DOUBLE, so the DuckDB side truncates.
    private static string IntMedian(string col) => $"CAST(trunc(quantile_cont({col}, 0.5)) AS BIGINT)";

    public static readonly DiffGroup Windows = new("windows", 2,
    [
        new("tumble_filtered_distinct",
            "SELECT tumble(interval '1 minute') AS w, b, count(DISTINCT v) AS dv, count(DISTINCT CASE WHEN x > 0 THEN v END) AS dvx, count(DISTINCT CASE WHEN i < 0 THEN v END) AS dvi, count(DISTINCT u) FILTER (WHERE v > 10) AS du, count(DISTINCT CASE WHEN x < 0 THEN u END) AS dux FROM events GROUP BY 1, 2",
            $"SELECT {Tumble(60)} AS w, b, count(DISTINCT v) AS dv, count(DISTINCT CASE WHEN x > 0 THEN v END) AS dvx, count(DISTINCT CASE WHEN i < 0 THEN v END) AS dvi, count(DISTINCT u) FILTER (WHERE v > 10) AS du, count(DISTINCT CASE WHEN x < 0 THEN u END) AS dux FROM events GROUP BY ALL"),
        new("tumble_by_key",
            "SELECT tumble(interval '1 minute') AS w, k, count(*) AS c, count(v) AS cv, sum(v) AS sv, min(v) AS mn, max(v) AS mx FROM events GROUP BY 1, 2",
            $"SELECT {Tumble(60)} AS w, k, count(*) AS c, count(v) AS cv, sum(v) AS sv, min(v) AS mn, max(v) AS mx FROM events GROUP BY ALL"),
        new("tumble_global_avg",
            "SELECT tumble(interval '30 seconds') AS w, avg(v) AS av, avg(x) AS ax, sum(x) AS sx, count(DISTINCT k) AS dk, count(k) AS ck FROM events GROUP BY 1",
            $"SELECT {Tumble(30)} AS w, avg(v) AS av, avg(x) AS ax, sum(x) AS sx, count(DISTINCT k) AS dk, count(k) AS ck FROM events GROUP BY ALL"),
        new("tumble_stats",
            "SELECT tumble(interval '2 minutes') AS w, b, stddev(x) AS sd, stddev_pop(x) AS sdp, var_samp(v) AS vs, var_pop(v) AS vp, median(v) AS md, median(x) AS mdx FROM events GROUP BY 1, 2",
            $"SELECT {Tumble(120)} AS w, b, stddev(x) AS sd, stddev_pop(x) AS sdp, var_samp(v) AS vs, var_pop(v) AS vp, {IntMedian("v")} AS md, median(x) AS mdx FROM events GROUP BY ALL"),
        new("tumble_bool_distinct",
            "SELECT tumble(interval '1 minute') AS w, k, bool_and(b) AS ba, bool_or(b) AS bo, count(DISTINCT s) AS ds, count(DISTINCT v) AS dv FROM events GROUP BY 1, 2",
            $"SELECT {Tumble(60)} AS w, k, bool_and(b) AS ba, bool_or(b) AS bo, count(DISTINCT s) AS ds, count(DISTINCT v) AS dv FROM events GROUP BY ALL"),
        new("hop_by_key",
            "SELECT hop(interval '10 seconds', interval '30 seconds') AS w, k, count(*) AS c, sum(x) AS sx FROM events GROUP BY 1, 2",
            $"SELECT {W(30, "hs")} AS w, k, count(*) AS c, sum(x) AS sx FROM {Hops("events", 10, 30)} GROUP BY ALL"),
        new("hop_global_min_max",
            "SELECT hop(interval '1 minute', interval '3 minutes') AS w, min(s) AS mns, max(s) AS mxs, min(ts) AS first_ts, max(ts) AS last_ts, count(b) AS cb, avg(x) AS ax FROM events GROUP BY 1",
            $"SELECT {W(180, "hs")} AS w, min(s) AS mns, max(s) AS mxs, min(ts) AS first_ts, max(ts) AS last_ts, count(b) AS cb, avg(x) AS ax FROM {Hops("events", 60, 180)} GROUP BY ALL"),
        new("session_by_key",
            "SELECT session(interval '8 seconds') AS w, k, count(*) AS c, sum(v) AS sv FROM events GROUP BY 1, 2",
            $"SELECT {{'start': min(ts), 'end': max(ts) + to_seconds(8)}} AS w, k, count(*) AS c, sum(v) AS sv FROM {Sessions("events", "k", 8)} GROUP BY k, sid"),
        new("session_global",
            "SELECT session(interval '2 seconds') AS w, count(*) AS c, max(v) AS mx FROM events GROUP BY 1",
            $"SELECT {{'start': min(ts), 'end': max(ts) + to_seconds(2)}} AS w, count(*) AS c, max(v) AS mx FROM {Sessions("events", "", 2)} GROUP BY sid"),
        new("tumble_having",
            "SELECT tumble(interval '1 minute') AS w, k, count(*) AS c FROM events GROUP BY 1, 2 HAVING count(*) > 3 AND sum(v) > 0",
            $"SELECT {Tumble(60)} AS w, k, count(*) AS c FROM events GROUP BY ALL HAVING count(*) > 3 AND sum(v) > 0"),
        new("tumble_filter_before",
            "SELECT tumble(interval '1 minute') AS w, count(*) AS c, sum(x) AS sx FROM events WHERE v > 0 AND k IS NOT NULL GROUP BY 1",
            $"SELECT {Tumble(60)} AS w, count(*) AS c, sum(x) AS sx FROM events WHERE v > 0 AND k IS NOT NULL GROUP BY ALL"),
        new("window_fields_and_exprs",
            "SELECT window.start AS ws, window.end AS we, c, sv * 2 + 1 AS e1, CAST(sv AS DOUBLE) / c AS ratio, sv / c AS idiv FROM (SELECT tumble(interval '45 seconds') AS window, count(*) AS c, sum(v) AS sv FROM events GROUP BY 1)",
            // DataFusion's integer division truncates toward zero; DuckDB's / is a float division.
            "SELECT tb(ts, 45) AS ws, tb(ts, 45) + to_seconds(45) AS we, count(*) AS c, sum(v) * 2 + 1 AS e1, CAST(sum(v) AS DOUBLE) / count(*) AS ratio, CAST(trunc(sum(v) / count(*)) AS BIGINT) AS idiv FROM events GROUP BY ALL"),
        new("nested_windows",
            // The inner window is not projected: the outer GROUP BY re-invokes it (the reference requires
            // the same window, and rejects another width with "window in group by does not match input window").
            "SELECT tumble(interval '1 minute') AS w2, count(*) AS n, sum(c) AS total, max(c) AS mx FROM (SELECT k, count(*) AS c FROM events GROUP BY k, tumble(interval '1 minute')) GROUP BY 1",
            $"SELECT {Tumble(60, "ws")} AS w2, count(*) AS n, sum(c) AS total, max(c) AS mx FROM (SELECT tb(ts, 60) AS ws, k, count(*) AS c FROM events GROUP BY ALL) GROUP BY ALL"),
        new("nested_same_window",
            "SELECT w, count(*) AS keys, max(c) AS mx, sum(sv) AS total FROM (SELECT tumble(interval '1 minute') AS w, k, count(*) AS c, sum(v) AS sv FROM events GROUP BY 1, 2) GROUP BY w",
            $"SELECT {Tumble(60, "ws")} AS w, count(*) AS keys, max(c) AS mx, sum(sv) AS total FROM (SELECT tb(ts, 60) AS ws, k, count(*) AS c, sum(v) AS sv FROM events GROUP BY ALL) GROUP BY ws"),
        new("hop_count_distinct_filter",
            "SELECT hop(interval '20 seconds', interval '1 minute') AS w, count(DISTINCT k) AS dk, count(*) FILTER (WHERE b) AS trues, sum(v) FILTER (WHERE v < 0) AS negsum FROM events GROUP BY 1",
            $"SELECT {W(60, "hs")} AS w, count(DISTINCT k) AS dk, count(*) FILTER (WHERE b) AS trues, sum(v) FILTER (WHERE v < 0) AS negsum FROM {Hops("events", 20, 60)} GROUP BY ALL"),
        new("tumble_expression_keys",
            "SELECT tumble(interval '90 seconds') AS w, v % 5 AS m, lower(k) AS lk, count(*) AS c, avg(x) AS ax FROM events WHERE ts > CAST('2024-03-10T10:02:00' AS TIMESTAMP) GROUP BY 1, 2, 3",
            $"SELECT {Tumble(90)} AS w, v % 5 AS m, lower(k) AS lk, count(*) AS c, avg(x) AS ax FROM events WHERE ts > CAST('2024-03-10T10:02:00' AS TIMESTAMP) GROUP BY ALL"),
        new("session_stats",
            "SELECT session(interval '5 seconds') AS w, b, avg(v) AS av, stddev_pop(x) AS sd, min(s) AS ms FROM events GROUP BY 1, 2",
            $"SELECT {{'start': min(ts), 'end': max(ts) + to_seconds(5)}} AS w, b, avg(v) AS av, stddev_pop(x) AS sd, min(s) AS ms FROM {Sessions("events", "b", 5)} GROUP BY b, sid"),
        new("hop_filtered_distinct",
            "SELECT hop(interval '20 seconds', interval '1 minute') AS w, count(DISTINCT v) AS dv, count(DISTINCT CASE WHEN b THEN v END) AS dvb, count(DISTINCT CASE WHEN NOT b THEN v END) AS dvn FROM events GROUP BY 1",
            $"SELECT {W(60, "hs")} AS w, count(DISTINCT v) AS dv, count(DISTINCT CASE WHEN b THEN v END) AS dvb, count(DISTINCT CASE WHEN NOT b THEN v END) AS dvn FROM {Hops("events", 20, 60)} GROUP BY ALL"),
        new("session_filtered_distinct",
            "SELECT session(interval '5 seconds') AS w, b, count(DISTINCT i) AS di, count(DISTINCT CASE WHEN v > 0 THEN i END) AS dip, count(DISTINCT i) FILTER (WHERE x < 0) AS dix FROM events GROUP BY 1, 2",
            $"SELECT {{'start': min(ts), 'end': max(ts) + to_seconds(5)}} AS w, b, count(DISTINCT i) AS di, count(DISTINCT CASE WHEN v > 0 THEN i END) AS dip, count(DISTINCT i) FILTER (WHERE x < 0) AS dix FROM {Sessions("events", "b", 5)} GROUP BY b, sid"),
        new("tumble_over_join_free_union",
            "SELECT tumble(interval '1 minute') AS w, k, count(*) AS c FROM (SELECT ts, k FROM events UNION ALL SELECT ts, k FROM other) GROUP BY 1, 2",
            $"SELECT {Tumble(60)} AS w, k, count(*) AS c FROM (SELECT ts, k FROM events UNION ALL SELECT ts, k FROM other) GROUP BY ALL"),
        new("tumble_bits_int_types_lists",
            "SELECT tumble(interval '1 minute') AS w, bit_and(v) AS ba, bit_or(v) AS bo, bit_xor(v) AS bx, sum(i) AS si, avg(i) AS ai, sum(f) AS sf, max(f) AS mf, min(u) AS mu, max(u) AS xu, array_length(array_agg(v)) AS na, length(string_agg(k, ',')) AS sl FROM events GROUP BY 1",
            $"SELECT {Tumble(60)} AS w, bit_and(v) AS ba, bit_or(v) AS bo, bit_xor(v) AS bx, sum(i) AS si, avg(i) AS ai, sum(f) AS sf, max(f) AS mf, min(u) AS mu, max(u) AS xu, len(list(v)) AS na, length(string_agg(k, ',')) AS sl FROM events GROUP BY ALL"),
        new("tumble_ordered_aggregates",
            "SELECT tumble(interval '1 minute') AS w, b, array_agg(coalesce(v, -999) ORDER BY x DESC, ts) AS vs, string_agg(k, '|' ORDER BY ts DESC, v) AS ks, first_value(s ORDER BY ts) AS fs, last_value(v ORDER BY ts) AS lv, array_agg(DISTINCT coalesce(v, -999) ORDER BY coalesce(v, -999)) AS dv FROM events GROUP BY 1, 2",
            // DataFusion sorts NULLs first in DESC order and last in ASC (as PostgreSQL): made explicit.
            // Lists hold no NULL (coalesce): DuckDB.NET cannot read a list containing one.
            $"SELECT {Tumble(60)} AS w, b, list(coalesce(v, -999) ORDER BY x DESC NULLS FIRST, ts) AS vs, string_agg(k, '|' ORDER BY ts DESC NULLS FIRST, v) AS ks, first(s ORDER BY ts) AS fs, last(v ORDER BY ts) AS lv, list(DISTINCT coalesce(v, -999) ORDER BY coalesce(v, -999)) AS dv FROM events GROUP BY ALL"),
    ]);

    public static readonly DiffGroup Updating = new("updating", 2,
    [
        new("upd_count_sum_avg",
            "SELECT k, count(*) AS c, sum(v) AS sv, avg(x) AS ax FROM events GROUP BY k",
            "SELECT k, count(*) AS c, sum(v) AS sv, avg(x) AS ax FROM events GROUP BY k", Updating: true),
        new("upd_min_max",
            "SELECT k, min(v) AS mn, max(v) AS mx, min(s) AS ms, max(x) AS mxx, max(ts) AS last_ts FROM events GROUP BY k",
            "SELECT k, min(v) AS mn, max(v) AS mx, min(s) AS ms, max(x) AS mxx, max(ts) AS last_ts FROM events GROUP BY k", Updating: true),
        new("upd_filter_before",
            "SELECT b, count(*) AS c, count(DISTINCT k) AS dk FROM events WHERE x > 0 GROUP BY b",
            "SELECT b, count(*) AS c, count(DISTINCT k) AS dk FROM events WHERE x > 0 GROUP BY b", Updating: true),
        // DISTINCT counts over one column with filters (CASE WHEN … THEN x END, ELSE NULL, FILTER,
        // both) share one table per group; v and i hold nulls and zeros, b is null in some rows.
        new("upd_filtered_distinct",
            "SELECT k, count(DISTINCT v) AS dv, count(DISTINCT CASE WHEN b THEN v END) AS dvb, count(DISTINCT CASE WHEN x > 0 THEN v ELSE NULL END) AS dvx, " +
            "count(DISTINCT v) FILTER (WHERE i < 0) AS dvi, count(DISTINCT CASE WHEN NOT b THEN v END) FILTER (WHERE x < 50) AS dvnb, " +
            "count(DISTINCT CASE WHEN v > 0 THEN i END) AS dip, count(DISTINCT i) AS di, count(DISTINCT CASE WHEN b THEN i ELSE 0 END) AS die FROM events GROUP BY k",
            "SELECT k, count(DISTINCT v) AS dv, count(DISTINCT CASE WHEN b THEN v END) AS dvb, count(DISTINCT CASE WHEN x > 0 THEN v ELSE NULL END) AS dvx, " +
            "count(DISTINCT v) FILTER (WHERE i < 0) AS dvi, count(DISTINCT CASE WHEN NOT b THEN v END) FILTER (WHERE x < 50) AS dvnb, " +
            "count(DISTINCT CASE WHEN v > 0 THEN i END) AS dip, count(DISTINCT i) AS di, count(DISTINCT CASE WHEN b THEN i ELSE 0 END) AS die FROM events GROUP BY k", Updating: true),
        // The same over retracting input (the inner counts change): a table per call, each filtered.
        new("upd_filtered_distinct_retracting",
            "SELECT m, count(DISTINCT CASE WHEN c > 2 THEN v END) AS dv2, count(DISTINCT CASE WHEN c = 1 THEN v END) AS dv1, count(DISTINCT v) AS dv " +
            "FROM (SELECT v, v % 3 AS m, count(*) AS c FROM events GROUP BY v, v % 3) GROUP BY m",
            "SELECT m, count(DISTINCT CASE WHEN c > 2 THEN v END) AS dv2, count(DISTINCT CASE WHEN c = 1 THEN v END) AS dv1, count(DISTINCT v) AS dv " +
            "FROM (SELECT v, v % 3 AS m, count(*) AS c FROM events GROUP BY v, v % 3) GROUP BY m", Updating: true),
        new("upd_filter_after",
            "SELECT * FROM (SELECT k, count(*) AS c FROM events GROUP BY k) WHERE c > 50",
            "SELECT * FROM (SELECT k, count(*) AS c FROM events GROUP BY k) WHERE c > 50", Updating: true),
        new("upd_global",
            "SELECT count(*) AS c, sum(x) AS sx, count(DISTINCT s) AS ds, stddev(v) AS sd, median(v) AS md FROM events",
            $"SELECT count(*) AS c, sum(x) AS sx, count(DISTINCT s) AS ds, stddev(v) AS sd, {IntMedian("v")} AS md FROM events", Updating: true),
        new("upd_two_keys",
            "SELECT k, v % 3 AS m, count(*) AS c FROM events GROUP BY 1, 2",
            "SELECT k, v % 3 AS m, count(*) AS c FROM events GROUP BY 1, 2", Updating: true),
        new("upd_having",
            "SELECT tag, count(*) AS c, sum(amt) AS total FROM other GROUP BY tag HAVING sum(amt) > 100",
            "SELECT tag, count(*) AS c, sum(amt) AS total FROM other GROUP BY tag HAVING sum(amt) > 100", Updating: true),
        new("upd_group_by_expr",
            "SELECT upper(k) AS uk, sum(CASE WHEN b THEN 1 ELSE 0 END) AS trues, count(*) FILTER (WHERE v < 0) AS negs FROM events GROUP BY upper(k)",
            "SELECT upper(k) AS uk, sum(CASE WHEN b THEN 1 ELSE 0 END) AS trues, count(*) FILTER (WHERE v < 0) AS negs FROM events GROUP BY upper(k)", Updating: true),
        new("upd_inner_join",
            "SELECT e.k AS ek, e.v AS v, o.tag AS tag, o.k AS ok FROM events e JOIN other o ON e.v = o.amt",
            "SELECT e.k AS ek, e.v AS v, o.tag AS tag, o.k AS ok FROM events e JOIN other o ON e.v = o.amt", Updating: true),
        new("upd_agg_over_join",
            "SELECT o.tag AS tag, count(*) AS c, sum(e.x) AS sx FROM events e JOIN other o ON e.k = o.k AND e.v = o.amt GROUP BY o.tag",
            "SELECT o.tag AS tag, count(*) AS c, sum(e.x) AS sx FROM events e JOIN other o ON e.k = o.k AND e.v = o.amt GROUP BY o.tag", Updating: true),
        new("upd_agg_over_agg",
            "SELECT c, count(*) AS keys FROM (SELECT k, count(*) AS c FROM events GROUP BY k) GROUP BY c",
            "SELECT c, count(*) AS keys FROM (SELECT k, count(*) AS c FROM events GROUP BY k) GROUP BY c", Updating: true),
        new("upd_nulls_in_aggregates",
            "SELECT b, avg(v) AS av, sum(v) AS sv, count(v) AS cv, count(*) AS c, min(x) AS mn FROM events WHERE k IS NULL OR v IS NULL GROUP BY b",
            "SELECT b, avg(v) AS av, sum(v) AS sv, count(v) AS cv, count(*) AS c, min(x) AS mn FROM events WHERE k IS NULL OR v IS NULL GROUP BY b", Updating: true),
        new("upd_select_distinct",
            "SELECT DISTINCT k, b FROM events",
            "SELECT DISTINCT k, b FROM events", Updating: true),
        new("upd_regression_stats",
            "SELECT k, corr(x, v) AS c, covar_pop(x, v) AS cp, covar_samp(x, v) AS cs, regr_slope(v, x) AS rs, regr_intercept(v, x) AS ri, regr_count(v, x) AS rc, var_pop(x) AS vp, sum(i) AS si FROM events GROUP BY k",
            "SELECT k, corr(x, v) AS c, covar_pop(x, v) AS cp, covar_samp(x, v) AS cs, regr_slope(v, x) AS rs, regr_intercept(v, x) AS ri, regr_count(v, x) AS rc, var_pop(x) AS vp, sum(i) AS si FROM events GROUP BY k", Updating: true),
        new("upd_ordered_array_agg",
            "SELECT k, array_agg(v ORDER BY ts DESC, v) AS vs, string_agg(s, ',' ORDER BY v, ts) AS ss FROM events WHERE v > 60 GROUP BY k",
            "SELECT k, list(v ORDER BY ts DESC NULLS FIRST, v) AS vs, string_agg(s, ',' ORDER BY v, ts) AS ss FROM events WHERE v > 60 GROUP BY k", Updating: true),
        // Streaming top-N over input that is not windowed (beyond the reference): the folded
        // inserts and retractions must equal the batch answer.
        new("upd_top2_per_key_append_only",
            "SELECT k, v, ts, rn FROM (SELECT k, v, ts, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC, ts) AS rn FROM events) WHERE rn <= 2",
            // DataFusion sorts NULLs first in DESC order; DuckDB last: made explicit.
            "SELECT k, v, ts, rn FROM (SELECT k, v, ts, ROW_NUMBER() OVER (PARTITION BY k ORDER BY v DESC NULLS FIRST, ts) AS rn FROM events) WHERE rn <= 2", Updating: true),
        new("upd_rank_over_updating_aggregate",
            "SELECT b, k, c, rk FROM (SELECT b, k, c, RANK() OVER (PARTITION BY b ORDER BY c DESC) AS rk FROM (SELECT b, k, count(*) AS c FROM events GROUP BY b, k)) WHERE rk <= 2",
            "SELECT b, k, c, rk FROM (SELECT b, k, c, RANK() OVER (PARTITION BY b ORDER BY c DESC) AS rk FROM (SELECT b, k, count(*) AS c FROM events GROUP BY b, k)) WHERE rk <= 2", Updating: true),
        new("upd_top1_over_join",
            "SELECT ek, v, tag FROM (SELECT e.k AS ek, e.v AS v, o.tag AS tag, ROW_NUMBER() OVER (PARTITION BY o.tag ORDER BY e.v DESC, e.k) AS rn FROM events e JOIN other o ON e.k = o.k) WHERE rn = 1",
            // ORDER BY v DESC puts NULLs first in DataFusion; DuckDB last: made explicit (k ASC: NULLs last in both).
            "SELECT ek, v, tag FROM (SELECT e.k AS ek, e.v AS v, o.tag AS tag, ROW_NUMBER() OVER (PARTITION BY o.tag ORDER BY e.v DESC NULLS FIRST, e.k) AS rn FROM events e JOIN other o ON e.k = o.k) WHERE rn = 1", Updating: true),
    ]);

    private const string LeftAgg = "(SELECT tumble(interval '1 minute') AS w, k, count(*) AS c FROM events GROUP BY 1, 2)";
    private const string RightAgg = "(SELECT tumble(interval '1 minute') AS w, k, sum(amt) AS total, count(*) AS n FROM other GROUP BY 1, 2)";
    private const string DuckLeftAgg = "(SELECT tb(ts, 60) AS ws, k, count(*) AS c FROM events GROUP BY ALL)";
    private const string DuckRightAgg = "(SELECT tb(ts, 60) AS ws, k, sum(amt) AS total, count(*) AS n FROM other GROUP BY ALL)";

    private static DiffCase WindowJoin(string name, string kind) => new(name,
        $"SELECT a.w.start AS aw, b.w.start AS bw, a.k AS ak, b.k AS bk, a.c AS c, b.total AS total, b.n AS n FROM {LeftAgg} a {kind} JOIN {RightAgg} b ON a.w = b.w AND a.k = b.k",
        $"SELECT a.ws AS aw, b.ws AS bw, a.k AS ak, b.k AS bk, a.c AS c, b.total AS total, b.n AS n FROM {DuckLeftAgg} a {kind} JOIN {DuckRightAgg} b ON a.ws = b.ws AND a.k = b.k");

    public static readonly DiffGroup Joins = new("joins", 2,
    [
        WindowJoin("wjoin_inner", "INNER"),
        WindowJoin("wjoin_left", "LEFT"),
        WindowJoin("wjoin_right", "RIGHT"),
        WindowJoin("wjoin_full", "FULL OUTER"),
        new("wjoin_global_windows",
            "SELECT a.window.start AS ws, a.cnt AS events_count, b.cnt AS other_count FROM (SELECT tumble(interval '2 minutes') AS window, count(*) AS cnt FROM events GROUP BY 1) a FULL OUTER JOIN (SELECT tumble(interval '2 minutes') AS window, count(*) AS cnt FROM other WHERE tag = 'red' GROUP BY 1) b ON a.window = b.window",
            "SELECT COALESCE(a.ws, NULL) AS ws, a.cnt AS events_count, b.cnt AS other_count FROM (SELECT tb(ts, 120) AS ws, count(*) AS cnt FROM events GROUP BY ALL) a FULL OUTER JOIN (SELECT tb(ts, 120) AS ws, count(*) AS cnt FROM other WHERE tag = 'red' GROUP BY ALL) b ON a.ws = b.ws"),
        // Joins with the window's maximum (or minimum), planned as the rows at it (Logical/WindowMaxJoin):
        // q7's shape (a distinct over the input), with ties and NULLs in v …
        new("wmax_tumble_distinct",
            "SELECT B.k, B.v, B.w.start AS ws, M.m FROM (SELECT k, v, tumble(interval '1 minute') AS w FROM events GROUP BY k, v, w) B " +
            "JOIN (SELECT max(v) AS m, tumble(interval '1 minute') AS w FROM events GROUP BY w) M ON B.v = M.m AND B.w = M.w",
            "SELECT B.k, B.v, B.ws, M.m FROM (SELECT DISTINCT k, v, tb(ts, 60) AS ws FROM events) B " +
            "JOIN (SELECT max(v) AS m, tb(ts, 60) AS ws FROM events GROUP BY ALL) M ON B.v = M.m AND B.ws = M.ws"),
        // … with an aggregate in the grouped side and MIN written the other way round …
        new("wmin_tumble_count",
            "SELECT B.k, B.i, B.n, M.m FROM (SELECT k, i, count(*) AS n, tumble(interval '2 minutes') AS w FROM events GROUP BY k, i, w) B " +
            "JOIN (SELECT min(i) AS m, tumble(interval '2 minutes') AS w FROM events GROUP BY w) M ON M.m >= B.i AND B.w = M.w",
            "SELECT B.k, B.i, B.n, M.m FROM (SELECT k, i, count(*) AS n, tb(ts, 120) AS ws FROM events GROUP BY ALL) B " +
            "JOIN (SELECT min(i) AS m, tb(ts, 120) AS ws FROM events GROUP BY ALL) M ON M.m >= B.i AND B.ws = M.ws"),
        // … and q5's (the maximum of a hop aggregate's own counts, ties everywhere).
        new("wmax_hop_counts",
            "SELECT A.k, A.num, A.w.start AS ws FROM (SELECT k, count(*) AS num, hop(interval '10 seconds', interval '30 seconds') AS w FROM events GROUP BY k, w) A " +
            "JOIN (SELECT max(C.num) AS maxn, C.w FROM (SELECT k, count(*) AS num, hop(interval '10 seconds', interval '30 seconds') AS w FROM events GROUP BY k, w) C GROUP BY C.w) M " +
            "ON A.w = M.w AND A.num >= M.maxn",
            $"WITH c AS (SELECT k, count(*) AS num, hs FROM {Hops("events", 10, 30)} GROUP BY ALL) " +
            "SELECT c.k, c.num, c.hs AS ws FROM c JOIN (SELECT hs, max(num) AS maxn FROM c GROUP BY hs) m ON c.hs = m.hs AND c.num >= m.maxn"),
    ]);

    public static readonly DiffGroup TopN = new("topn", 2,
    [
        new("top2_per_window",
            "SELECT w, k, c, rn FROM (SELECT w, k, c, ROW_NUMBER() OVER (PARTITION BY w ORDER BY c DESC, k) AS rn FROM (SELECT tumble(interval '1 minute') AS w, k, count(*) AS c FROM events GROUP BY 1, 2)) WHERE rn <= 2",
            $"SELECT w, k, c, rn FROM (SELECT w, k, c, ROW_NUMBER() OVER (PARTITION BY w ORDER BY c DESC, k) AS rn FROM (SELECT {Tumble(60)} AS w, k, count(*) AS c FROM events GROUP BY ALL)) WHERE rn <= 2"),
        new("top1_hop_sum_desc",
            "SELECT window.start AS ws, k, sx FROM (SELECT window, k, sx, ROW_NUMBER() OVER (PARTITION BY window ORDER BY sx DESC, k DESC) AS rn FROM (SELECT hop(interval '20 seconds', interval '1 minute') AS window, k, sum(x) AS sx FROM events GROUP BY 1, 2)) WHERE rn = 1",
            // DataFusion sorts NULLs first in DESC order (as PostgreSQL); DuckDB last: made explicit.
            $"SELECT hs AS ws, k, sx FROM (SELECT hs, k, sx, ROW_NUMBER() OVER (PARTITION BY hs ORDER BY sx DESC NULLS FIRST, k DESC NULLS FIRST) AS rn FROM (SELECT hs, k, sum(x) AS sx FROM {Hops("events", 20, 60)} GROUP BY ALL)) WHERE rn = 1"),
        new("rank_per_window",
            "SELECT window.start AS ws, b, c, rk FROM (SELECT window, b, c, RANK() OVER (PARTITION BY window ORDER BY c) AS rk FROM (SELECT tumble(interval '30 seconds') AS window, b, count(*) AS c FROM events GROUP BY 1, 2)) WHERE rk <= 2",
            "SELECT ws, b, c, rk FROM (SELECT ws, b, c, RANK() OVER (PARTITION BY ws ORDER BY c) AS rk FROM (SELECT tb(ts, 30) AS ws, b, count(*) AS c FROM events GROUP BY ALL)) WHERE rk <= 2"),
        new("dense_rank_nulls_desc",
            "SELECT window.start AS ws, k, sv, dr FROM (SELECT window, k, sv, DENSE_RANK() OVER (PARTITION BY window ORDER BY sv DESC) AS dr FROM (SELECT tumble(interval '1 minute') AS window, k, sum(v) FILTER (WHERE v > 80) AS sv FROM events GROUP BY 1, 2)) WHERE dr <= 2",
            // DataFusion sorts NULLs first in DESC order; DuckDB last: made explicit.
            "SELECT ws, k, sv, dr FROM (SELECT ws, k, sv, DENSE_RANK() OVER (PARTITION BY ws ORDER BY sv DESC NULLS FIRST) AS dr FROM (SELECT tb(ts, 60) AS ws, k, sum(v) FILTER (WHERE v > 80) AS sv FROM events GROUP BY ALL)) WHERE dr <= 2"),
    ]);

    public static readonly DiffGroup Functions = new("functions", 1,
    [
        new("fn_case_coalesce_nullif",
            "SELECT ts, CASE WHEN v > 50 THEN 'big' WHEN v < 0 THEN 'neg' ELSE 'small' END AS cls, CASE v % 2 WHEN 0 THEN 'even' WHEN 1 THEN 'odd' END AS parity, COALESCE(k, s, 'none') AS ck, NULLIF(v, 0) AS nz, COALESCE(x, -1.5) AS cx, NULLIF(k, '') AS nk FROM events",
            "SELECT ts, CASE WHEN v > 50 THEN 'big' WHEN v < 0 THEN 'neg' ELSE 'small' END AS cls, CASE v % 2 WHEN 0 THEN 'even' WHEN 1 THEN 'odd' END AS parity, COALESCE(k, s, 'none') AS ck, NULLIF(v, 0) AS nz, COALESCE(x, -1.5::DOUBLE) AS cx, NULLIF(k, '') AS nk FROM events"),
        new("fn_strings_case_trim_length",
            "SELECT ts, lower(s) AS lo, upper(s) AS up, length(s) AS len, character_length(k) AS klen, trim(s) AS tr, ltrim(s) AS ltr, rtrim(s) AS rtr, octet_length(s) AS bytes FROM events",
            "SELECT ts, lower(s) AS lo, upper(s) AS up, length(s) AS len, length(k) AS klen, trim(s) AS tr, ltrim(s) AS ltr, rtrim(s) AS rtr, octet_length(encode(s)) AS bytes FROM events"),
        new("fn_strings_substr_concat",
            "SELECT ts, substr(s, 2, 3) AS sub, substr(s, 3) AS tail, concat(k, '-', s) AS cc, k || '/' || s AS pipe, replace(s, 'o', '0') AS rep, split_part(s, ',', 2) AS sp, starts_with(s, 'hel') AS sw, left(s, 2) AS l2, right(s, 2) AS r2, reverse(k) AS rev FROM events",
            "SELECT ts, substr(s, 2, 3) AS sub, substr(s, 3) AS tail, concat(k, '-', s) AS cc, k || '/' || s AS pipe, replace(s, 'o', '0') AS rep, split_part(s, ',', 2) AS sp, starts_with(s, 'hel') AS sw, left(s, 2) AS l2, right(s, 2) AS r2, reverse(k) AS rev FROM events"),
        new("fn_regex",
            "SELECT ts, regexp_replace(s, '[aeiou]', '*') AS first_only, regexp_replace(s, '[aeiou]+', '_', 'g') AS all_runs, regexp_like(s, 'o.') AS has_o, s LIKE '%o%' AS lk, s ILIKE 'h%' AS ilk, s NOT LIKE '_a%' AS nlk FROM events",
            "SELECT ts, regexp_replace(s, '[aeiou]', '*') AS first_only, regexp_replace(s, '[aeiou]+', '_', 'g') AS all_runs, regexp_matches(s, 'o.') AS has_o, s LIKE '%o%' AS lk, s ILIKE 'h%' AS ilk, s NOT LIKE '_a%' AS nlk FROM events"),
        new("fn_math",
            "SELECT ts, abs(v) AS av, abs(x) AS ax, round(x) AS r0, round(x, 1) AS r1, floor(x) AS fl, ceil(x) AS ce, power(v, 2) AS p2, power(x, 2) AS px, sqrt(abs(x)) AS sq, v % 7 AS m7, v / 3 AS d3, x / 4 AS x4, -v AS neg, trunc(x) AS tx, ln(abs(x) + 1) AS lnx, exp(v / 50) AS ex FROM events",
            // DataFusion: round(x, d) is round-half-away(x * 10^d) / 10^d; power(BIGINT, BIGINT) is BIGINT;
            // integer / truncates toward zero. The DuckDB side states those semantics explicitly.
            "SELECT ts, abs(v) AS av, abs(x) AS ax, round(x) AS r0, round(x * 10) / 10 AS r1, floor(x) AS fl, ceil(x) AS ce, CAST(power(v, 2) AS BIGINT) AS p2, power(x, 2) AS px, sqrt(abs(x)) AS sq, v % 7 AS m7, CAST(trunc(v / 3) AS BIGINT) AS d3, x / 4 AS x4, -v AS neg, trunc(x) AS tx, ln(abs(x) + 1) AS lnx, exp(CAST(trunc(v / 50) AS BIGINT)) AS ex FROM events"),
        new("fn_datetime",
            "SELECT ts, date_trunc('minute', ts) AS tm, date_trunc('hour', ts) AS th, extract(second FROM ts) AS sec, extract(minute FROM ts) AS mi, date_part('hour', ts) AS hr, extract(millisecond FROM ts) AS ms, extract(dow FROM ts) AS dow, extract(doy FROM ts) AS doy, extract(epoch FROM ts) AS ep, date_part('year', ts) AS yr FROM events",
            // DataFusion (since 42) returns INT for calendar parts (whole seconds for 'second') and DOUBLE for epoch.
            "SELECT ts, date_trunc('minute', ts) AS tm, date_trunc('hour', ts) AS th, extract(second FROM ts) AS sec, extract(minute FROM ts) AS mi, date_part('hour', ts) AS hr, extract(millisecond FROM ts) AS ms, extract(dow FROM ts) AS dow, extract(doy FROM ts) AS doy, extract(epoch FROM ts) AS ep, date_part('year', ts) AS yr FROM events"),
        new("fn_casts",
            "SELECT ts, CAST(v AS DOUBLE) AS vd, CAST(x AS BIGINT) AS xi, CAST(v AS TEXT) AS vt, CAST(b AS TEXT) AS bt, CAST(ts AS DATE) AS d, CAST(v AS INT) + 1 AS vi, CAST('12' AS BIGINT) * v AS lit, CAST(x AS DECIMAL(10, 2)) AS dec FROM events",
            // DataFusion casts a float to an integer by truncation; DuckDB rounds.
            "SELECT ts, CAST(v AS DOUBLE) AS vd, CAST(trunc(x) AS BIGINT) AS xi, CAST(v AS TEXT) AS vt, CAST(b AS TEXT) AS bt, CAST(ts AS DATE) AS d, CAST(v AS INT) + 1 AS vi, CAST('12' AS BIGINT) * v AS lit, CAST(x AS DECIMAL(10, 2)) AS dec FROM events"),
        new("fn_predicates",
            "SELECT ts, v IN (1, 2, 3, -5) AS inl, k NOT IN ('alpha', 'ключ') AS notin, v BETWEEN -10 AND 10 AS btw, x NOT BETWEEN 0 AND 50 AS nbtw, k IS DISTINCT FROM 'alpha' AS dist, v IS NOT DISTINCT FROM NULL AS vnull, b IS TRUE AS bt, b IS NOT FALSE AS bnf, NOT b AS nb, b AND v > 0 AS band, b OR v > 0 AS bor, k = '' AS empty, v > NULL AS gtnull FROM events",
            "SELECT ts, v IN (1, 2, 3, -5) AS inl, k NOT IN ('alpha', 'ключ') AS notin, v BETWEEN -10 AND 10 AS btw, x NOT BETWEEN 0 AND 50 AS nbtw, k IS DISTINCT FROM 'alpha' AS dist, v IS NOT DISTINCT FROM NULL AS vnull, b IS TRUE AS bt, b IS NOT FALSE AS bnf, NOT b AS nb, b AND v > 0 AS band, b OR v > 0 AS bor, k = '' AS empty, v > NULL AS gtnull FROM events"),
        new("fn_null_arithmetic",
            "SELECT ts, v + NULL AS vn, x * v AS xv, v - 2 * v AS vv, k || NULL AS kn, concat(k, NULL, s) AS cn, v = v AS selfeq, x + v AS xpv, greatest(v, 0) AS gv, least(x, 10.5) AS lx FROM events WHERE v IS NULL OR x IS NULL OR k IS NULL OR v < 0",
            "SELECT ts, v + NULL AS vn, x * v AS xv, v - 2 * v AS vv, k || NULL AS kn, concat(k, NULL, s) AS cn, v = v AS selfeq, x + v AS xpv, greatest(v, 0) AS gv, least(x, 10.5::DOUBLE) AS lx FROM events WHERE v IS NULL OR x IS NULL OR k IS NULL OR v < 0"),
        new("fn_where_like_in",
            "SELECT ts, k, s FROM events WHERE (s LIKE 'h%' OR k IN ('alpha', 'ключ')) AND NOT (v BETWEEN 0 AND 20)",
            "SELECT ts, k, s FROM events WHERE (s LIKE 'h%' OR k IN ('alpha', 'ключ')) AND NOT (v BETWEEN 0 AND 20)"),
        new("union_all",
            "SELECT k, v AS n, 'events' AS src FROM events WHERE v > 90 UNION ALL SELECT k, amt AS n, 'other' AS src FROM other WHERE amt < -40",
            "SELECT k, v AS n, 'events' AS src FROM events WHERE v > 90 UNION ALL SELECT k, amt AS n, 'other' AS src FROM other WHERE amt < -40"),
        new("cte_subquery",
            "WITH pos AS (SELECT k, v, x, ts FROM events WHERE v > 0) SELECT ts, k, v * 2 AS v2, x FROM (SELECT * FROM pos WHERE x < 0) WHERE k <> 'Beta'",
            "WITH pos AS (SELECT k, v, x, ts FROM events WHERE v > 0) SELECT ts, k, v * 2 AS v2, x FROM (SELECT * FROM pos WHERE x < 0) WHERE k <> 'Beta'"),
        new("fn_hash_and_misc",
            "SELECT ts, md5(s) AS h, sha256(k) AS h2, lpad(k, 6, '*') AS lp, rpad(k, 6, '.') AS rp, repeat(k, 2) AS rep, strpos(s, 'o') AS pos, translate(s, 'lo', 'LO') AS tl, ascii(k) AS asc FROM events",
            "SELECT ts, md5(s) AS h, sha256(k) AS h2, lpad(k, 6, '*') AS lp, rpad(k, 6, '.') AS rp, repeat(k, 2) AS rep, strpos(s, 'o') AS pos, translate(s, 'lo', 'LO') AS tl, ascii(k) AS asc FROM events"),
        new("fn_timestamp_arithmetic",
            "SELECT ts, ts + INTERVAL '1 minute' AS plus, ts - INTERVAL '90 seconds' AS minus, date_bin(INTERVAL '15 seconds', ts) AS bin, to_timestamp(1710064800 + v) AS tt, ts > CAST('2024-03-10T10:04:00' AS TIMESTAMP) AS late_half, date_trunc('second', ts) AS tsec FROM events",
            // date_bin's default origin is the Unix epoch (DataFusion), as tb's.
            "SELECT ts, ts + INTERVAL 1 MINUTE AS plus, ts - INTERVAL 90 SECOND AS minus, tb(ts, 15) AS bin, make_timestamp((1710064800 + v) * 1000000) AS tt, ts > CAST('2024-03-10T10:04:00' AS TIMESTAMP) AS late_half, date_trunc('second', ts) AS tsec FROM events"),
        new("fn_casts_more",
            "SELECT ts, CAST(x AS TEXT) AS xt, CAST(v AS VARCHAR) || 'x' AS vx, TRY_CAST(s AS BIGINT) AS sn, CAST(b AS INT) AS bi, CAST(v AS BOOLEAN) AS vb, CAST(x AS INT) AS xi, CAST(CAST(v AS TEXT) AS BIGINT) AS round_trip FROM events",
            // DataFusion casts a float to an integer by truncation; DuckDB rounds.
            "SELECT ts, CAST(x AS TEXT) AS xt, CAST(v AS VARCHAR) || 'x' AS vx, TRY_CAST(s AS BIGINT) AS sn, CAST(b AS INT) AS bi, CAST(v AS BOOLEAN) AS vb, CAST(trunc(x) AS INT) AS xi, CAST(CAST(v AS TEXT) AS BIGINT) AS round_trip FROM events"),
        new("fn_string_edges",
            "SELECT ts, substr(s, 0, 3) AS s0, left(s, -2) AS lneg, right(s, -2) AS rneg, lpad(s, 3) AS lp3, concat_ws('|', k, s, v) AS cws, s || v AS sv, upper(k) < 'C' AS lt, btrim(s, ' eh') AS bt, position('o' IN s) AS pos, substring(s FROM 2 FOR 4) AS sub FROM events",
            "SELECT ts, substr(s, 0, 3) AS s0, left(s, -2) AS lneg, right(s, -2) AS rneg, lpad(s, 3, ' ') AS lp3, concat_ws('|', k, s, v) AS cws, s || v AS sv, upper(k) < 'C' AS lt, trim(s, ' eh') AS bt, position('o' IN s) AS pos, substring(s FROM 2 FOR 4) AS sub FROM events"),
        new("fn_null_logic",
            "SELECT ts, v IN (1, NULL) AS in_null, v NOT IN (1, NULL) AS notin_null, CASE WHEN NULL THEN 1 ELSE 2 END AS cnull, coalesce(v, x) AS cvx, nullif('', k) AS nk, k IS NULL AS kn, NOT (b AND NULL) AS nbn, (v > 0) = b AS cmpb, CASE WHEN v > 0 THEN x END AS nocase FROM events",
            "SELECT ts, v IN (1, NULL) AS in_null, v NOT IN (1, NULL) AS notin_null, CASE WHEN NULL THEN 1 ELSE 2 END AS cnull, coalesce(v, x) AS cvx, nullif('', k) AS nk, k IS NULL AS kn, NOT (b AND NULL) AS nbn, (v > 0) = b AS cmpb, CASE WHEN v > 0 THEN x END AS nocase FROM events"),
        new("fn_numeric_mix",
            "SELECT ts, x % 7.5 AS xm, v % -4 AS vm, -v / 7 AS nd, v * 1.5 AS vf, v + x AS vx, CAST(v AS DOUBLE) / 8 AS fd, abs(v) % 3 AS am, round(v * 1.0 / 3, 2) AS r2, signum(x) AS sg, cbrt(x) AS cb FROM events",
            // integer / truncates toward zero (DataFusion); round(x, d) is round-half-away(x * 10^d) / 10^d;
            // a float % keeps the dividend's sign (Rust's %), where DuckDB's fmod floors.
            "SELECT ts, x - trunc(x / 7.5) * 7.5 AS xm, v % -4 AS vm, CAST(trunc(-v / 7) AS BIGINT) AS nd, v * 1.5::DOUBLE AS vf, v + x AS vx, CAST(v AS DOUBLE) / 8 AS fd, abs(v) % 3 AS am, round(v * 1.0::DOUBLE / 3 * 100) / 100 AS r2, sign(x)::DOUBLE AS sg, cbrt(x) AS cb FROM events"),
        new("fn_int_float_types",
            "SELECT ts, i + v AS iv, i / 7 AS i7, i * 3 AS i3, f * 2 AS f2, f AS ff, CAST(i AS DOUBLE) / 4 AS id, u % 7 AS um, abs(i) AS ai, f + x AS fx, u AS uu, i < v AS cmp FROM events",
            // integer / truncates toward zero (DataFusion).
            "SELECT ts, i + v AS iv, CAST(trunc(i / 7) AS INTEGER) AS i7, i * 3 AS i3, f * 2 AS f2, f AS ff, CAST(i AS DOUBLE) / 4 AS id, u % 7 AS um, abs(i) AS ai, f + x AS fx, u AS uu, i < v AS cmp FROM events"),
        new("fn_regex_groups",
            "SELECT ts, regexp_replace(s, '([a-z]+)-([a-z]+)', '\\2_\\1') AS swapped, regexp_replace(s, '\\s+', ' ', 'g') AS spaces, regexp_like(s, '^[A-Z]') AS cap, regexp_like(s, 'hello', 'i') AS hi FROM events",
            "SELECT ts, regexp_replace(s, '([a-z]+)-([a-z]+)', '\\2_\\1') AS swapped, regexp_replace(s, '\\s+', ' ', 'g') AS spaces, regexp_matches(s, '^[A-Z]') AS cap, regexp_matches(s, 'hello', 'i') AS hi FROM events"),
    ]);

    private const string CarsHop = "(SELECT c.*, tb(c.timestamp, 600) - to_seconds(hop_i * 600) AS hs FROM cars c, range(0, 3) r(hop_i))";

    public static readonly DiffGroup Cars = new("cars", 2,
    [
        new("cars_tumble_by_type",
            "SELECT tumble(interval '1 hour') AS w, event_type, count(*) AS c, count(DISTINCT driver_id) AS drivers, avg(driver_id) AS ad FROM cars GROUP BY 1, 2",
            $"SELECT {Tumble(3600, "timestamp")} AS w, event_type, count(*) AS c, count(DISTINCT driver_id) AS drivers, avg(driver_id) AS ad FROM cars GROUP BY ALL",
            false),
        new("cars_hop_location_top",
            "SELECT window.start AS ws, location, c FROM (SELECT window, location, c, ROW_NUMBER() OVER (PARTITION BY window ORDER BY c DESC, location) AS rn FROM (SELECT hop(interval '10 minutes', interval '30 minutes') AS window, location, count(*) AS c FROM cars GROUP BY 1, 2)) WHERE rn <= 3",
            $"SELECT hs AS ws, location, c FROM (SELECT hs, location, c, ROW_NUMBER() OVER (PARTITION BY hs ORDER BY c DESC, location) AS rn FROM (SELECT hs, location, count(*) AS c FROM {CarsHop} GROUP BY ALL)) WHERE rn <= 3"),
        new("cars_updating_by_location",
            "SELECT location, count(*) AS c, count(DISTINCT driver_id) AS drivers, max(timestamp) AS last_seen, min(driver_id) AS lo FROM cars GROUP BY location",
            "SELECT location, count(*) AS c, count(DISTINCT driver_id) AS drivers, max(timestamp) AS last_seen, min(driver_id) AS lo FROM cars GROUP BY location", Updating: true),
        new("cars_session_by_driver",
            "SELECT session(interval '10 minutes') AS w, driver_id, count(*) AS c FROM cars GROUP BY 1, 2",
            $"SELECT {{'start': min(timestamp), 'end': max(timestamp) + to_seconds(600)}} AS w, driver_id, count(*) AS c FROM {Sessions("cars", "driver_id", 600, "timestamp")} GROUP BY driver_id, sid"),
        new("cars_join_pickups_dropoffs",
            "SELECT p.window.start AS ws, p.location AS location, p.c AS pickups, d.c AS dropoffs FROM (SELECT tumble(interval '1 hour') AS window, location, count(*) AS c FROM cars WHERE event_type = 'pickup' GROUP BY 1, 2) p LEFT JOIN (SELECT tumble(interval '1 hour') AS window, location, count(*) AS c FROM cars WHERE event_type = 'dropoff' GROUP BY 1, 2) d ON p.window = d.window AND p.location = d.location",
            "SELECT p.ws AS ws, p.location AS location, p.c AS pickups, d.c AS dropoffs FROM (SELECT tb(timestamp, 3600) AS ws, location, count(*) AS c FROM cars WHERE event_type = 'pickup' GROUP BY ALL) p LEFT JOIN (SELECT tb(timestamp, 3600) AS ws, location, count(*) AS c FROM cars WHERE event_type = 'dropoff' GROUP BY ALL) d ON p.ws = d.ws AND p.location = d.location"),
        new("cdc_by_status",
            "SELECT status, count(*) AS c, sum(quantity) AS q, min(price) AS mn, max(price) AS mx, avg(price) AS ap FROM orders GROUP BY status",
            "SELECT status, count(*) AS c, sum(quantity) AS q, min(price) AS mn, max(price) AS mx, avg(price) AS ap FROM orders GROUP BY status", Updating: true),
        new("cdc_by_product",
            "SELECT product_name, count(DISTINCT customer_name) AS dc, sum(quantity * price) AS revenue, max(quantity) AS mq FROM orders WHERE status <> 'Cancelled' GROUP BY product_name",
            "SELECT product_name, count(DISTINCT customer_name) AS dc, sum(quantity * price) AS revenue, max(quantity) AS mq FROM orders WHERE status <> 'Cancelled' GROUP BY product_name", Updating: true),
        new("cdc_filter_pass_through",
            "SELECT id, upper(status) AS st, quantity * 2 AS q2 FROM orders WHERE quantity > 2",
            "SELECT id, upper(status) AS st, quantity * 2 AS q2 FROM orders WHERE quantity > 2", Updating: true),
    ], usesCars: true);
}

public sealed class DifferentialWindowTests
{
    public static TheoryData<string> Cases() => DiffSuite.Windows.CaseNames();

    [Theory, MemberData(nameof(Cases))]
    public void Matches_duckdb(string name) => DiffSuite.Windows.Check(name);
}

public sealed class DifferentialUpdatingTests
{
    public static TheoryData<string> Cases() => DiffSuite.Updating.CaseNames();

    [Theory, MemberData(nameof(Cases))]
    public void Matches_duckdb(string name) => DiffSuite.Updating.Check(name);
}

public sealed class DifferentialJoinTests
{
    public static TheoryData<string> Cases() => DiffSuite.Joins.CaseNames();

    [Theory, MemberData(nameof(Cases))]
    public void Matches_duckdb(string name) => DiffSuite.Joins.Check(name);
}

public sealed class DifferentialTopNTests
{
    public static TheoryData<string> Cases() => DiffSuite.TopN.CaseNames();

    [Theory, MemberData(nameof(Cases))]
    public void Matches_duckdb(string name) => DiffSuite.TopN.Check(name);
}

public sealed class DifferentialFunctionTests
{
    public static TheoryData<string> Cases() => DiffSuite.Functions.CaseNames();

    [Theory, MemberData(nameof(Cases))]
    public void Matches_duckdb(string name) => DiffSuite.Functions.Check(name);
}

public sealed class DifferentialCarsTests
{
    public static TheoryData<string> Cases() => DiffSuite.Cars.CaseNames();

    [Theory, MemberData(nameof(Cases))]
    public void Matches_duckdb(string name) => DiffSuite.Cars.Check(name);
}
