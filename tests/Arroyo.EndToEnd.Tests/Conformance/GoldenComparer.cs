using System.Text.Json.Nodes;

namespace Arroyo.EndToEnd.Tests.Conformance;

/// <summary>
/// Compares outputs with golden files as ../shared/conformance/README.md says: a multiset of
/// JSON values with object keys sorted (numbers compared by their text, so 1 ≠ 1.0); for
/// updating outputs, both sides are first folded into a final table by the primary key.
/// </summary>
public static class GoldenComparer
{
    public static List<string> Canonical(IEnumerable<string> lines) =>
        lines.Where(l => l.Trim().Length > 0).Select(l => Canonicalise(JsonNode.Parse(l))).Order(StringComparer.Ordinal).ToList();

    public static List<string> Fold(IEnumerable<string> lines, IReadOnlyList<string> key)
    {
        var table = new Dictionary<string, string>();
        foreach (var line in lines.Where(l => l.Trim().Length > 0))
        {
            var row = JsonNode.Parse(line)!.AsObject();
            var op = row["op"]!.GetValue<string>();
            if (op is "c" or "u" or "r")
            {
                // An update whose key changed (a global aggregate keyed by its own value, as
                // active_drivers) replaces the row it updates: drop before's key first.
                if (op == "u" && row["before"] is JsonObject before) table.Remove(KeyOf(before, key));
                var after = row["after"]!;
                table[KeyOf(after, key)] = Canonicalise(after);
            }
            else if (op == "d")
            {
                table.Remove(KeyOf(row["before"]!, key));
            }
        }
        return table.Values.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// An updating output without a primary key folded into the multiset of rows it leaves: c/r
    /// add <c>after</c>, d removes <c>before</c>, u does both. A retraction of a row that is not
    /// there stays visible as <c>RETRACTED WITHOUT INSERT: row</c>. Non-debezium lines are kept as they are.
    /// </summary>
    public static List<string> FoldMultiset(IEnumerable<string> lines)
    {
        var counts = new Dictionary<string, int>();
        foreach (var line in lines.Where(l => l.Trim().Length > 0))
        {
            var node = JsonNode.Parse(line);
            if (node is not JsonObject row || row["op"] is null)
            {
                counts[Canonicalise(node)] = counts.GetValueOrDefault(Canonicalise(node)) + 1;
                continue;
            }
            var op = row["op"]!.GetValue<string>();
            if (op is "d" or "u") counts[Canonicalise(row["before"])] = counts.GetValueOrDefault(Canonicalise(row["before"])) - 1;
            if (op is "c" or "r" or "u") counts[Canonicalise(row["after"])] = counts.GetValueOrDefault(Canonicalise(row["after"])) + 1;
        }
        return counts.SelectMany(c => c.Value >= 0 ? Enumerable.Repeat(c.Key, c.Value) : Enumerable.Repeat("RETRACTED WITHOUT INSERT: " + c.Key, -c.Value))
            .Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>A readable description of the difference, or null if equal.</summary>
    public static string? Difference(List<string> expected, List<string> actual)
    {
        var missing = Subtract(expected, actual);
        var extra = Subtract(actual, expected);
        if (missing.Count == 0 && extra.Count == 0) return null;
        return $"expected {expected.Count} rows, got {actual.Count}; {missing.Count} missing, {extra.Count} unexpected\n" +
            "missing (first 5):\n  " + string.Join("\n  ", missing.Take(5)) +
            "\nunexpected (first 5):\n  " + string.Join("\n  ", extra.Take(5));
    }

    private static List<string> Subtract(List<string> a, List<string> b)
    {
        var counts = b.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        var result = new List<string>();
        foreach (var item in a)
        {
            if (counts.TryGetValue(item, out var n) && n > 0) counts[item] = n - 1;
            else result.Add(item);
        }
        return result;
    }

    private static string KeyOf(JsonNode row, IReadOnlyList<string> key) =>
        string.Join("\u0001", key.Select(k => row[k]?.ToJsonString() ?? "null"));

    private static string Canonicalise(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject obj => "{" + string.Join(",", obj.OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => System.Text.Json.JsonSerializer.Serialize(p.Key) + ":" + Canonicalise(p.Value))) + "}",
        JsonArray array => "[" + string.Join(",", array.Select(Canonicalise)) + "]",
        _ => node.ToJsonString(),
    };
}
