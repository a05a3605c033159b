using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Arroyo.EndToEnd.Tests.Differential;

/// <summary>One value of a result row, normalised so the engine's JSON and DuckDB's values compare.</summary>
public abstract record Cell
{
    public sealed record Null : Cell { public override string ToString() => "null"; }

    public sealed record Int(BigInteger Value) : Cell { public override string ToString() => Value.ToString(CultureInfo.InvariantCulture); }

    /// <summary>A float; <paramref name="Loose"/> (a DuckDB DECIMAL) also matches an integer of the same value.</summary>
    public sealed record Float(double Value, bool Loose = false) : Cell
    {
        public override string ToString() => Value.ToString("R", CultureInfo.InvariantCulture) + (Loose ? "(dec)" : "(f)");
    }

    public sealed record Str(string Value) : Cell { public override string ToString() => JsonSerializer.Serialize(Value); }

    public sealed record Bool(bool Value) : Cell { public override string ToString() => Value ? "true" : "false"; }

    public sealed record List(IReadOnlyList<Cell> Items) : Cell
    {
        public override string ToString() => "[" + string.Join(",", Items) + "]";
        public bool Equals(List? other) => other is not null && Items.SequenceEqual(other.Items);
        public override int GetHashCode() => Items.Count;
    }

    public static readonly Cell NullValue = new Null();
}

/// <summary>A result row: flattened column name (struct fields as <c>w.start</c>) → value.</summary>
public sealed class Row(SortedDictionary<string, Cell> cells)
{
    public SortedDictionary<string, Cell> Cells { get; } = cells;

    public override string ToString() => "{" + string.Join(", ", Cells.Select(c => c.Key + ": " + c.Value)) + "}";
}

public static class DiffRows
{
    // ---- engine side: JSON lines -------------------------------------------------------------

    public static Row FromJson(JsonObject obj)
    {
        var cells = new SortedDictionary<string, Cell>(StringComparer.Ordinal);
        Flatten(obj, "", cells);
        return new Row(cells);
    }

    private static void Flatten(JsonObject obj, string prefix, SortedDictionary<string, Cell> cells)
    {
        foreach (var (name, value) in obj)
        {
            if (value is JsonObject nested) Flatten(nested, prefix + name + ".", cells);
            else cells[prefix + name] = FromJsonValue(value);
        }
    }

    private static Cell FromJsonValue(JsonNode? node)
    {
        switch (node)
        {
            case null: return Cell.NullValue;
            case JsonArray array: return new Cell.List(array.Select(FromJsonValue).ToList());
            case JsonObject obj: return new Cell.Str(obj.ToJsonString());
        }
        var element = node.GetValue<JsonElement>();
        switch (element.ValueKind)
        {
            case JsonValueKind.String: return new Cell.Str(element.GetString()!);
            case JsonValueKind.True: return new Cell.Bool(true);
            case JsonValueKind.False: return new Cell.Bool(false);
            case JsonValueKind.Null: return Cell.NullValue;
            case JsonValueKind.Number:
                var text = element.GetRawText();
                return text.IndexOfAny(['.', 'e', 'E']) >= 0
                    ? new Cell.Float(double.Parse(text, CultureInfo.InvariantCulture))
                    : new Cell.Int(BigInteger.Parse(text, CultureInfo.InvariantCulture));
            default: return new Cell.Str(element.GetRawText());
        }
    }

    /// <summary>Append-only output: every line is a row.</summary>
    public static List<Row> ReadAppend(IEnumerable<string> lines) =>
        lines.Where(l => l.Trim().Length > 0).Select(l => FromJson(JsonNode.Parse(l)!.AsObject())).ToList();

    /// <summary>
    /// Updating output (debezium_json): folds c/u/d into the final multiset of rows, which is what a
    /// batch engine computes. A retraction of a row that is not there is an error of the engine.
    /// </summary>
    public static List<Row> FoldDebezium(IEnumerable<string> lines, List<string> problems)
    {
        var table = new Dictionary<string, (Row Row, int Count)>();
        foreach (var line in lines.Where(l => l.Trim().Length > 0))
        {
            var obj = JsonNode.Parse(line)!.AsObject();
            var op = obj["op"]?.GetValue<string>();
            if (op is "u" or "d")
            {
                if (obj["before"] is not JsonObject before) { problems.Add($"'{op}' without before: {line}"); continue; }
                var row = FromJson(before);
                var key = row.ToString();
                if (!table.TryGetValue(key, out var entry)) problems.Add($"retraction of a row never emitted: {line}");
                else if (entry.Count == 1) table.Remove(key);
                else table[key] = (entry.Row, entry.Count - 1);
            }
            if (op is "c" or "u" or "r")
            {
                if (obj["after"] is not JsonObject after) { problems.Add($"'{op}' without after: {line}"); continue; }
                var row = FromJson(after);
                var key = row.ToString();
                table[key] = table.TryGetValue(key, out var entry) ? (entry.Row, entry.Count + 1) : (row, 1);
            }
            if (op is not ("c" or "u" or "d" or "r")) problems.Add($"unknown op: {line}");
        }
        return table.Values.SelectMany(e => Enumerable.Repeat(e.Row, e.Count)).ToList();
    }

    // ---- DuckDB side ---------------------------------------------------------------------------

    public static Cell FromDuck(object? value, string typeName, bool unixMillis = false)
    {
        switch (value)
        {
            case null or DBNull: return Cell.NullValue;
            case bool b: return new Cell.Bool(b);
            case sbyte or byte or short or ushort or int or uint or long: return new Cell.Int(new BigInteger(Convert.ToInt64(value, CultureInfo.InvariantCulture)));
            case ulong u: return new Cell.Int(new BigInteger(u));
            case BigInteger big: return new Cell.Int(big);
            // a REAL prints as its shortest float32 text (arrow-json), so compare with that value
            case float f: return new Cell.Float(double.Parse(f.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
            case double d: return new Cell.Float(d);
            case decimal m: return new Cell.Float((double)m, Loose: true);
            case string s: return new Cell.Str(s);
            case DateOnly date: return new Cell.Str(date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            case DateTime dt when typeName.Equals("Date", StringComparison.OrdinalIgnoreCase):
                return new Cell.Str(dt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            case DateTime dt when unixMillis: return new Cell.Int(new BigInteger((dt - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMillisecond));
            case DateTime dt: return new Cell.Str(EngineIso(dt));
            case DateTimeOffset dto: return new Cell.Str(EngineIso(dto.UtcDateTime));
            case System.Collections.IDictionary: throw new InvalidOperationException("structs are flattened by the caller");
            case System.Collections.IEnumerable list: return new Cell.List(list.Cast<object?>().Select(v => FromDuck(v, "", unixMillis)).ToList());
            default: return new Cell.Str(Convert.ToString(value, CultureInfo.InvariantCulture)!);
        }
    }

    public static void FlattenDuck(string name, object? value, string typeName, SortedDictionary<string, Cell> cells, bool unixMillis = false)
    {
        if (value is System.Collections.IDictionary dict)
        {
            foreach (System.Collections.DictionaryEntry entry in dict) FlattenDuck(name + "." + entry.Key, entry.Value, "", cells, unixMillis);
        }
        else
        {
            cells[name] = FromDuck(value, typeName, unixMillis);
        }
    }

    /// <summary>The engine's timestamp format: naive ISO-8601, fraction of 3/6 digits only when not zero.</summary>
    public static string EngineIso(DateTime t)
    {
        var text = t.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        var ticks = t.Ticks % TimeSpan.TicksPerSecond; // 100 ns units
        if (ticks == 0) return text;
        return ticks % TimeSpan.TicksPerMillisecond == 0
            ? text + "." + (ticks / TimeSpan.TicksPerMillisecond).ToString("D3", CultureInfo.InvariantCulture)
            : ticks % 10 == 0
                ? text + "." + (ticks / 10).ToString("D6", CultureInfo.InvariantCulture)
                : text + "." + (ticks * 100).ToString("D9", CultureInfo.InvariantCulture);
    }

    // ---- comparison ----------------------------------------------------------------------------

    /// <summary>Relative tolerance for floats: DataFusion and DuckDB sum doubles in different orders.</summary>
    public const double Tolerance = 1e-9;

    public static bool CellEquals(Cell expected, Cell actual) => (expected, actual) switch
    {
        (Cell.Float e, Cell.Float a) => Close(e.Value, a.Value),
        (Cell.Float { Loose: true } e, Cell.Int a) => Close(e.Value, (double)a.Value),
        (Cell.List e, Cell.List a) => e.Items.Count == a.Items.Count && e.Items.Zip(a.Items).All(p => CellEquals(p.First, p.Second)),
        _ => expected.Equals(actual),
    };

    private static bool Close(double e, double a)
    {
        if (double.IsNaN(e) || double.IsNaN(a)) return double.IsNaN(e) && double.IsNaN(a);
        if (double.IsInfinity(e) || double.IsInfinity(a)) return e == a;
        return Math.Abs(e - a) <= Tolerance * Math.Max(1, Math.Max(Math.Abs(e), Math.Abs(a)));
    }

    /// <summary>Multiset comparison; null when equal, else a readable difference.</summary>
    public static string? Difference(List<Row> expected, List<Row> actual)
    {
        var expectedColumns = expected.SelectMany(r => r.Cells.Keys).ToHashSet();
        var actualColumns = actual.SelectMany(r => r.Cells.Keys).ToHashSet();
        if (expected.Count > 0 && actual.Count > 0 && !expectedColumns.SetEquals(actualColumns))
        {
            return $"columns differ: expected [{string.Join(", ", expectedColumns.Order())}], got [{string.Join(", ", actualColumns.Order())}]\n" +
                $"first expected row: {expected[0]}\nfirst actual row:   {actual[0]}";
        }
        // Columns where DuckDB gave a float are compared with a tolerance: bucket rows by everything else.
        var approx = expected.SelectMany(r => r.Cells.Where(c => c.Value is Cell.Float).Select(c => c.Key)).ToHashSet();
        string Bucket(Row r) => string.Join("|", r.Cells.Select(c =>
            c.Key + "=" + (approx.Contains(c.Key) && c.Value is Cell.Float or Cell.Int ? "~" : c.Value.ToString())));
        var pool = actual.GroupBy(Bucket).ToDictionary(g => g.Key, g => g.ToList());
        var missing = new List<Row>();
        foreach (var row in expected)
        {
            if (pool.TryGetValue(Bucket(row), out var candidates))
            {
                var index = candidates.FindIndex(a => a.Cells.Count == row.Cells.Count && row.Cells.All(c => a.Cells.TryGetValue(c.Key, out var v) && CellEquals(c.Value, v)));
                if (index >= 0) { candidates.RemoveAt(index); continue; }
            }
            missing.Add(row);
        }
        var extra = pool.Values.SelectMany(v => v).ToList();
        if (missing.Count == 0 && extra.Count == 0) return null;
        var text = new StringBuilder();
        text.Append($"expected {expected.Count} rows, got {actual.Count}; {missing.Count} missing, {extra.Count} unexpected\n");
        text.Append("missing (first 4):\n  ").AppendJoin("\n  ", missing.Take(4)).Append('\n');
        text.Append("unexpected (first 4):\n  ").AppendJoin("\n  ", extra.Take(4));
        return text.ToString();
    }
}
