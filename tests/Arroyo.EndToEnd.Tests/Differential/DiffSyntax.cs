namespace Arroyo.EndToEnd.Tests.Differential;

/// <summary>
/// Differential cases for syntax DataFusion plans onto functions or operators (array slices,
/// @&gt; / &lt;@, || on arrays, X'…' and 0x… byte strings, SIMILAR TO) and for UNION (distinct). As in
/// <see cref="DiffSuite"/>, where DataFusion and DuckDB differ the DuckDB side states DataFusion's
/// semantics, with a comment. Array rows hold no NULL: DuckDB.NET cannot read a list containing one.
/// </summary>
public static class DiffSyntax
{
    private const string NoNulls = "WHERE v IS NOT NULL AND i IS NOT NULL AND k IS NOT NULL AND s IS NOT NULL";

    public static readonly DiffGroup Group = new("syntax", 2,
    [
        new("syn_array_slices",
            $"SELECT ts, make_array(v, i, 3, 4, 5)[2:4] AS sl, make_array(v, i, 3, 4, 5)[1:5:2] AS st, make_array(k, s)[2:2] AS one, make_array(v, i, 3)[-2:-1] AS neg, make_array(v, i, 3)[3:2] AS empty, make_array(v, i)[1:v % 3 + 1] AS dyn FROM events {NoNulls}",
            $"SELECT ts, list_slice([v, i, 3, 4, 5], 2, 4) AS sl, list_slice([v, i, 3, 4, 5], 1, 5, 2) AS st, list_slice([k, s], 2, 2) AS one, list_slice([v, i, 3], -2, -1) AS neg, list_slice([v, i, 3], 3, 2) AS empty, list_slice([v, i], 1, v % 3 + 1) AS dyn FROM events {NoNulls}"),
        new("syn_array_containment",
            $"SELECT ts, make_array(v % 3, 1) @> make_array(2) AS has2, make_array(v % 3) <@ make_array(0, 1) AS within, make_array(k, s) @> make_array(s) AS selfhas, make_array(1, 2) <@ make_array(i % 4, v % 4, 2) AS both FROM events {NoNulls}",
            $"SELECT ts, list_has_all([v % 3, 1], [2]) AS has2, list_has_all([0, 1], [v % 3]) AS within, list_has_all([k, s], [s]) AS selfhas, list_has_all([i % 4, v % 4, 2], [1, 2]) AS both FROM events {NoNulls}"),
        new("syn_array_concat_operator",
            $"SELECT ts, make_array(v) || make_array(i, 1) AS cc, make_array(v) || 7 AS app, 0 || make_array(i) AS pre, make_array(k) || s AS apps, make_array(make_array(v)) || make_array(i) AS nested FROM events {NoNulls}",
            $"SELECT ts, list_concat([v], [i, 1]) AS cc, list_append([v], 7) AS app, list_prepend(0, [i]) AS pre, list_append([k], s) AS apps, list_append([[v]], [i]) AS nested FROM events {NoNulls}"),
        new("syn_hex_byte_strings",
            "SELECT ts, encode(X'0aFF', 'hex') AS h, encode(X'f', 'hex') AS odd, X'0aff' = X'0AFF' AS same, CAST(s AS BYTEA) = X'68656c6c6f' AS is_hello, encode(CAST(k AS BYTEA), 'hex') AS kh FROM events",
            // DataFusion's hex encoding is lower case; an odd digit count makes the first digit a byte of its own.
            "SELECT ts, '0aff' AS h, '0f' AS odd, true AS same, encode(s) = 'hello'::BLOB AS is_hello, lower(hex(encode(k))) AS kh FROM events"),
        new("syn_hex_numbers_are_byte_strings",
            "SELECT ts, encode(0x0aFF, 'hex') AS h, encode(0xf, 'hex') AS odd, 0x0aff = X'0AFF' AS same, CAST(s AS BYTEA) = 0x68656c6c6f AS is_hello, encode(0x, 'hex') AS empty FROM events",
            // DataFusion 48 reads 0x… as the byte string X'…' (DuckDB as an integer): the DuckDB side states bytes.
            "SELECT ts, '0aff' AS h, '0f' AS odd, true AS same, encode(s) = 'hello'::BLOB AS is_hello, '' AS empty FROM events"),
        new("syn_similar_to",
            "SELECT ts, s SIMILAR TO 'l+o' AS sim, s NOT SIMILAR TO '^h' AS nsim, k SIMILAR TO 'a.p' AS kp FROM events",
            // DataFusion runs SIMILAR TO as the ~ regex match: unanchored, % and _ not wildcards.
            "SELECT ts, regexp_matches(s, 'l+o') AS sim, NOT regexp_matches(s, '^h') AS nsim, regexp_matches(k, 'a.p') AS kp FROM events"),
        new("syn_operator_spellings",
            "SELECT ts, v <=> 3 AS ns, v <=> NULL AS nn, s ~~ 'h%' AS lk, s ~~* 'H%' AS ilk, s !~~ '%o%' AS nlk, s !~~* '%O%' AS nilk, s LIKE '%\\_%' ESCAPE '\\' AS under, N'x' || k AS nk FROM events",
            "SELECT ts, v IS NOT DISTINCT FROM 3 AS ns, v IS NOT DISTINCT FROM NULL AS nn, s ~~ 'h%' AS lk, s ~~* 'H%' AS ilk, s !~~ '%o%' AS nlk, s !~~* '%O%' AS nilk, s LIKE '%\\_%' ESCAPE '\\' AS under, 'x' || k AS nk FROM events"),
        new("syn_union_distinct",
            "SELECT k FROM events UNION SELECT k FROM other",
            "SELECT k FROM events UNION SELECT k FROM other", Updating: true),
        new("syn_union_distinct_absorbs_union_all",
            "SELECT k, v % 3 AS m FROM events WHERE v > 0 UNION ALL SELECT k, amt % 3 AS m FROM other UNION SELECT s, 0 FROM events WHERE s LIKE 'h%'",
            "SELECT k, v % 3 AS m FROM events WHERE v > 0 UNION ALL SELECT k, amt % 3 AS m FROM other UNION SELECT s, 0 FROM events WHERE s LIKE 'h%'", Updating: true),
        new("syn_union_distinct_windowed",
            "SELECT w, k FROM (SELECT tumble(interval '1 minute') AS w, k, count(*) AS c FROM events GROUP BY 1, 2) UNION SELECT w, k FROM (SELECT tumble(interval '1 minute') AS w, k, sum(amt) AS t FROM other GROUP BY 1, 2)",
            "SELECT {'start': tb(ts, 60), 'end': tb(ts, 60) + to_seconds(60)} AS w, k FROM events UNION SELECT {'start': tb(ts, 60), 'end': tb(ts, 60) + to_seconds(60)} AS w, k FROM other"),
    ]);
}

public sealed class DifferentialSyntaxTests
{
    public static TheoryData<string> Cases() => DiffSyntax.Group.CaseNames();

    [Theory, MemberData(nameof(Cases))]
    public void Matches_duckdb(string name) => DiffSyntax.Group.Check(name);
}
