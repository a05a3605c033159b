using System.Collections;
using System.Globalization;
using System.Text.Json;
using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Filesystem;

/// <summary>
/// The same query written by the filesystem sink as Parquet and as JSON: DuckDB reads the
/// Parquet files (integers, text, NULLs, timestamps, decimals, lists, structs) and returns the
/// rows the JSON files hold.
/// </summary>
public sealed class ParquetTypesTests
{
    private static string Query(string parquet, string json) => $"""
        CREATE TABLE impulse WITH (connector = 'impulse', event_rate = '100000', message_count = '2000');
        CREATE VIEW v AS SELECT
          counter AS id,
          CAST(counter % 7 AS INT) AS small,
          CASE WHEN counter % 5 = 0 THEN NULL ELSE concat('name-', CAST(counter AS TEXT)) END AS name,
          CAST(counter AS DOUBLE) / 8 AS ratio,
          CAST(counter AS DECIMAL(12, 3)) / 1000 AS amount,
          CAST('2024-03-01T12:00:00' AS TIMESTAMP) + counter * interval '1 second' AS happened,
          make_array(counter, counter + 1) AS pair,
          named_struct('a', counter * 2, 'b', CASE WHEN counter % 2 = 0 THEN 'even' ELSE NULL END) AS nested,
          counter % 4 = 0 AS flag
        FROM impulse;
        CREATE TABLE pq WITH (connector = 'filesystem', type = 'sink', format = 'parquet', path = '{parquet}');
        CREATE TABLE js WITH (connector = 'filesystem', type = 'sink', format = 'json', path = '{json}');
        INSERT INTO pq SELECT * FROM v;
        INSERT INTO js SELECT * FROM v;
        """;

    [Fact]
    public void DuckDB_reads_the_parquet_output_as_the_json_output_of_the_same_query()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("q.sql"), Query(dir.File("pq"), dir.File("js")));
        var run = ArroyoProcess.Run(["run", dir.File("q.sql")], environment: new Dictionary<string, string> { ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "100ms" });
        Assert.True(run.ExitCode == 0, run.ToString());

        var fromParquet = ParquetFiles.Query(
                $"SELECT id, small, name, ratio, amount, happened, pair, nested, flag FROM read_parquet('{dir.File("pq")}/*.parquet') ORDER BY id")
            .Select(Normalize).ToList();
        var fromJson = Directory.GetFiles(dir.File("js"), "*.json")
            .SelectMany(File.ReadAllLines)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .OrderBy(e => e.GetProperty("id").GetInt64())
            .Select(e => Normalize(["id", "small", "name", "ratio", "amount", "happened", "pair", "nested", "flag"], e))
            .ToList();
        Assert.Equal(2000, fromParquet.Count);
        Assert.Equal(fromJson, fromParquet);
        Assert.Contains(fromParquet, r => r.Contains("name=null", StringComparison.Ordinal));
    }

    private static string Normalize(object?[] row)
    {
        string[] names = ["id", "small", "name", "ratio", "amount", "happened", "pair", "nested", "flag"];
        return string.Join(" ", names.Select((n, i) => $"{n}={Text(row[i])}"));
    }

    private static string Text(object? value) => value switch
    {
        null => "null",
        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        // Numbers compare by value: the engine types counter + 1 as DECIMAL(21, 0), JSON writes 1.
        decimal d => d.ToString("G29", CultureInfo.InvariantCulture),
        double d => ((decimal)d).ToString("G29", CultureInfo.InvariantCulture),
        System.Numerics.BigInteger b => b.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IDictionary dict => "{" + string.Join(",", dict.Keys.Cast<object>().Select(k => $"{k}:{Text(dict[k])}")) + "}",
        IEnumerable list and not string => "[" + string.Join(",", list.Cast<object?>().Select(Text)) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };

    private static string Normalize(string[] names, JsonElement row) =>
        string.Join(" ", names.Select(n => $"{n}={Text(row.GetProperty(n), n)}"));

    private static string Text(JsonElement value, string name) => value.ValueKind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        JsonValueKind.String when name == "happened" => DateTime.Parse(value.GetString()!, CultureInfo.InvariantCulture).ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetDecimal().ToString("G29", CultureInfo.InvariantCulture),
        JsonValueKind.Array => "[" + string.Join(",", value.EnumerateArray().Select(e => Text(e, ""))) + "]",
        JsonValueKind.Object => "{" + string.Join(",", value.EnumerateObject().Select(p => $"{p.Name}:{Text(p.Value, p.Name)}")) + "}",
        _ => value.GetRawText(),
    };
}
