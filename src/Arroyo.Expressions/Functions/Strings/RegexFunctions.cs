using System.Text.RegularExpressions;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Functions.Strings;
using static Arroyo.Expressions.Binding.Param;

namespace Arroyo.Expressions.Functions;

/// <summary>regexp_like / regexp_match / regexp_replace / regexp_count / regexp_instr. Constant patterns compile once per call site.</summary>
internal static class RegexFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.Add("regexp_like", [Text, Text, Text], DataType.Boolean, Fn.Rows(b => Prepared(2, (regex, a) => regex.IsMatch((string)a[0]!))), minArgs: 2);
        r.Add("regexp_match", [Text, Text, Text], DataType.List(DataType.Utf8), Fn.Rows(b => Prepared(2, (regex, a) => Match(regex, (string)a[0]!))), minArgs: 2);
        r.Add("regexp_replace", [Text, Text, Text, Text], DataType.Utf8, Fn.Rows(b => Prepared(3, (regex, a) =>
            a.Length > 3 && ((string)a[3]!).Contains('g')
                ? regex.Replace((string)a[0]!, Replacement((string)a[2]!))
                : regex.Replace((string)a[0]!, Replacement((string)a[2]!), 1))), minArgs: 3);
        r.Add("regexp_count", [Text, Text, BigInt, Text], DataType.Int64, Fn.Rows(b => Prepared(3, (regex, a) =>
            (long)regex.Matches((string)a[0]!, StartIndex((string)a[0]!, a.Length > 2 ? (long)a[2]! : 1, "regexp_count")).Count)), minArgs: 2);
        r.Add("regexp_instr", [Text, Text, BigInt, BigInt, Text, BigInt], DataType.Int64, Fn.Rows(b => Prepared(4, Instr)), minArgs: 2);
    }

    /// <summary>
    /// regexp_instr(str, regexp[, start[, n[, flags[, subexpr]]]]): the 1-based character position
    /// of the n-th match at or after <c>start</c> (of capture group <c>subexpr</c> when given), or 0.
    /// </summary>
    private static object? Instr(Regex regex, object?[] a)
    {
        var s = (string)a[0]!;
        var n = a.Length > 3 ? (long)a[3]! : 1;
        if (n < 1) throw new DataException($"regexp_instr: n must be 1 or more, got {n}");
        var group = a.Length > 5 ? (long)a[5]! : 0;
        if (group < 0) throw new DataException($"regexp_instr: subexpr must not be negative, got {group}");
        var match = regex.Match(s, StartIndex(s, a.Length > 2 ? (long)a[2]! : 1, "regexp_instr"));
        for (var i = 1; i < n && match.Success; i++) match = match.NextMatch();
        if (!match.Success || group >= match.Groups.Count || !match.Groups[(int)group].Success) return 0L;
        var index = match.Groups[(int)group].Index;
        return (long)s.AsSpan(0, index).ToString().EnumerateRunes().Count() + 1;
    }

    /// <summary>The UTF-16 index of 1-based character position <paramref name="start"/> (past the end: the end).</summary>
    private static int StartIndex(string s, long start, string function)
    {
        if (start < 1) throw new DataException($"{function}: start must be 1 or more (positions count from 1), got {start}");
        var index = 0;
        for (var c = 1L; c < start && index < s.Length; c++) index += char.IsSurrogatePair(s, index) ? 2 : 1;
        return index;
    }

    /// <summary>Caches the compiled regex per (pattern, flags), so a constant pattern compiles once per call site.</summary>
    private static Func<object?[], object?> Prepared(int flagsIndex, Func<Regex, object?[], object?> body)
    {
        var cache = new Dictionary<(string, string), Regex>();
        return a =>
        {
            var pattern = (string)a[1]!;
            var flags = a.Length > flagsIndex ? (string)a[flagsIndex]! : "";
            if (!cache.TryGetValue((pattern, flags), out var regex))
            {
                if (cache.Count > 1000) cache.Clear();
                regex = Utf8Text.Compile(pattern, flags.Replace("g", ""));
                cache[(pattern, flags)] = regex;
            }
            return body(regex, a);
        };
    }

    private static object? Match(Regex regex, string s)
    {
        var m = regex.Match(s);
        if (!m.Success) return null;
        if (m.Groups.Count == 1) return new object?[] { m.Value };
        return m.Groups.Cast<Group>().Skip(1).Select(g => g.Success ? (object?)g.Value : null).ToArray();
    }

    /// <summary>DataFusion/PostgreSQL back-references <c>\1</c> become .NET's <c>${1}</c>; a literal <c>$</c> is escaped.</summary>
    internal static string Replacement(string replacement)
    {
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < replacement.Length; i++)
        {
            var c = replacement[i];
            if (c == '\\' && i + 1 < replacement.Length && char.IsAsciiDigit(replacement[i + 1]))
            {
                sb.Append("${").Append(replacement[++i]).Append('}');
            }
            else if (c == '$' && i + 1 < replacement.Length && (char.IsAsciiDigit(replacement[i + 1]) || replacement[i + 1] == '{'))
            {
                // Rust's regex crate uses $1 / ${name} too: keep it.
                sb.Append(c);
            }
            else if (c == '$') sb.Append("$$");
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
