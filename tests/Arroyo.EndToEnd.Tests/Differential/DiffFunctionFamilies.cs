namespace Arroyo.EndToEnd.Tests.Differential;

/// <summary>
/// Differential cases for the DataFusion 48 function families DuckDB can also compute: arrays,
/// maps, more string/regex functions and strftime-style formatting. As in <see cref="DiffSuite"/>,
/// where DataFusion and DuckDB differ the DuckDB side states DataFusion's semantics, with a comment.
/// </summary>
public static class DiffFunctionFamilies
{
    public static readonly DiffGroup Group = new("function_families", 1,
    [
        new("fn_arrays_build_sort_slice",
            "SELECT ts, make_array(v, i, v % 7) AS arr, array_sort(make_array(v, i, v % 7)) AS srt, array_sort(make_array(v, i, v % 7), 'DESC', 'NULLS LAST') AS srtd, array_reverse(make_array(k, s)) AS rev, array_slice(make_array(v, i, 3, 4, 5), 2, 4) AS sl, list_slice(make_array(v, i, 3, 4, 5), -2, -1) AS sln, array_length(make_array(v, i)) AS len, array_element(make_array(k, s), -1) AS lastel FROM events",
            // DataFusion sorts NULLs first by default in both directions; DuckDB is told so.
            "SELECT ts, [v, i, v % 7] AS arr, list_sort([v, i, v % 7], 'ASC', 'NULLS FIRST') AS srt, list_sort([v, i, v % 7], 'DESC', 'NULLS LAST') AS srtd, list_reverse([k, s]) AS rev, list_slice([v, i, 3, 4, 5], 2, 4) AS sl, list_slice([v, i, 3, 4, 5], -2, -1) AS sln, len([v, i]) AS len, [k, s][-1] AS lastel FROM events"),
        new("fn_arrays_sets",
            "SELECT ts, array_has_any(make_array(v, i), make_array(1, 2, 3)) AS hany, array_has_all(make_array(1, v), make_array(v)) AS hall, array_sort(array_union(make_array(v % 3, 1), make_array(2, v % 3))) AS un, array_sort(array_intersect(make_array(v % 3, 1, 2), make_array(2, v % 3))) AS inter, array_sort(array_except(make_array(v % 3, 0, 1), make_array(1))) AS exc, array_distinct(make_array(v % 2, v % 3, 1)) AS dis FROM events WHERE v IS NOT NULL AND i IS NOT NULL",
            // DataFusion's array_distinct comes out sorted; DuckDB's list_intersect/list_distinct are unordered, so both are sorted.
            "SELECT ts, list_has_any([v, i], [1, 2, 3]) AS hany, list_has_all([1, v], [v]) AS hall, list_sort(list_distinct(list_concat([v % 3, 1], [2, v % 3]))) AS un, list_sort(list_intersect([v % 3, 1, 2], [2, v % 3])) AS inter, list_sort(list_distinct(list_filter([v % 3, 0, 1], lambda e: NOT list_contains([1], e)))) AS exc, list_sort(list_distinct([v % 2, v % 3, 1])) AS dis FROM events WHERE v IS NOT NULL AND i IS NOT NULL"),
        new("fn_arrays_series_and_edits",
            "SELECT ts, range(0, abs(v) % 5) AS r, generate_series(1, abs(v) % 4) AS g, flatten(make_array(make_array(v, 1), make_array(i))) AS fl, cardinality(make_array(make_array(1, 2), make_array(v))) AS card, array_positions(make_array(v % 2, 1, v % 2), v % 2) AS pos, array_remove_all(make_array(v % 2, 1, 0), 0) AS rma, array_replace_all(make_array(v % 2, 1, 0), 1, 9) AS rpa, array_repeat(k, 2) AS rep, string_to_array(s, ' ') AS words, array_to_string(make_array(k, s), '|') AS joined, array_max(make_array(v, i)) AS mx, array_min(make_array(v, i)) AS mn FROM events WHERE v IS NOT NULL",
            // DataFusion's string_to_array('') is an empty array, DuckDB's string_split('') is [''];
            // DataFusion's array_to_string of only NULLs is '', DuckDB's is NULL.
            "SELECT ts, range(0, abs(v) % 5) AS r, generate_series(1, abs(v) % 4) AS g, flatten([[v, 1], [i]]) AS fl, len(flatten([[1, 2], [v]])) AS card, list_filter(generate_series(1, 3), lambda p: [v % 2, 1, v % 2][p] = v % 2) AS pos, list_filter([v % 2, 1, 0], lambda e: e <> 0) AS rma, list_transform([v % 2, 1, 0], lambda e: CASE WHEN e = 1 THEN 9 ELSE e END) AS rpa, [k, k] AS rep, CASE WHEN s = '' THEN []::VARCHAR[] ELSE string_split(s, ' ') END AS words, coalesce(array_to_string([k, s], '|'), '') AS joined, list_max([v, i]) AS mx, list_min([v, i]) AS mn FROM events WHERE v IS NOT NULL"),
        new("fn_maps",
            "SELECT ts, map_keys(make_map('v', v, 'i', i)) AS mk, map_values(make_map('v', v, 'i', i)) AS mv, map_extract(make_map('v', v, 'i', i), 'i') AS me, map_extract(make_map('v', v), 'zz') AS missing, cardinality(map(make_array('a', 'b'), make_array(s, k))) AS card, map_values(map(make_array(k), make_array(x))) AS byk FROM events WHERE k IS NOT NULL",
            "SELECT ts, map_keys(MAP(['v', 'i'], [v, i])) AS mk, map_values(MAP(['v', 'i'], [v, i])) AS mv, map_extract(MAP(['v', 'i'], [v, i]), 'i') AS me, map_extract(MAP(['v'], [v]), 'zz') AS missing, cardinality(MAP(['a', 'b'], [s, k])) AS card, map_values(MAP([k], [x])) AS byk FROM events WHERE k IS NOT NULL"),
        new("fn_strings_contains_index_regex",
            "SELECT ts, contains(s, 'o') AS has_o, substr_index(s, ' ', 1) AS first_word, substr_index(s, '-', -1) AS last_dash, find_in_set(k, 'alpha,Beta,é') AS fis, regexp_count(s, '[aeiou]') AS vowels, regexp_instr(s, '[aeiou]') AS first_vowel, regexp_count(s, 'l+') AS lruns FROM events",
            // substr_index with no delimiter is the whole string (split_part's too); find_in_set is 0 when absent,
            // NULL for a NULL string; regexp_instr of a one-character class is where that character first occurs.
            "SELECT ts, contains(s, 'o') AS has_o, split_part(s, ' ', 1) AS first_word, string_split(s, '-')[-1] AS last_dash, CASE WHEN k IS NULL THEN NULL ELSE coalesce(list_position(['alpha', 'Beta', 'é'], k), 0) END AS fis, len(regexp_extract_all(s, '[aeiou]')) AS vowels, CASE WHEN s IS NULL THEN NULL WHEN regexp_matches(s, '[aeiou]') THEN strpos(s, regexp_extract(s, '[aeiou]')) ELSE 0 END AS first_vowel, len(regexp_extract_all(s, 'l+')) AS lruns FROM events"),
        new("fn_to_char",
            "SELECT ts, to_char(ts, '%Y-%m-%d %H:%M:%S') AS full_ts, date_format(ts, '%d.%m.%y %a %b %j') AS parts, to_char(ts, '%I:%M %p') AS clock, to_char(CAST(ts AS DATE), '%A %B %d') AS day FROM events",
            "SELECT ts, strftime(ts, '%Y-%m-%d %H:%M:%S') AS full_ts, strftime(ts, '%d.%m.%y %a %b %j') AS parts, strftime(ts, '%I:%M %p') AS clock, strftime(CAST(ts AS DATE), '%A %B %d') AS day FROM events"),
    ]);
}

public sealed class DifferentialFunctionFamilyTests
{
    public static TheoryData<string> Cases() => DiffFunctionFamilies.Group.CaseNames();

    [Theory, MemberData(nameof(Cases))]
    public void Matches_duckdb(string name) => DiffFunctionFamilies.Group.Check(name);
}
