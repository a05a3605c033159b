using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;

namespace Arroyo.Expressions.Functions.Strings;

/// <summary>Helpers for running char-based .NET APIs (Regex) over UTF-8 values without a string per row.</summary>
internal static class Utf8Text
{
    /// <summary>Decodes into a buffer the caller reuses (grown as needed) and returns the chars.</summary>
    public static ReadOnlySpan<char> Decode(ReadOnlySpan<byte> utf8, ref char[] buffer)
    {
        if (buffer.Length < utf8.Length) buffer = new char[Math.Max(utf8.Length, buffer.Length * 2)];
        var count = Encoding.UTF8.GetChars(utf8, buffer);
        return buffer.AsSpan(0, count);
    }

    public static bool IsMatch(Regex regex, ReadOnlySpan<byte> utf8, ref char[] buffer) => regex.IsMatch(Decode(utf8, ref buffer));

    public static char[] NewBuffer() => new char[256];

    /// <summary>
    /// Converts Rust regex syntax to .NET where they differ: <c>(?P&lt;name&gt;</c> groups, and
    /// flags given as a separate string (i, m, s, x) become inline options.
    /// </summary>
    /// <param name="toIl">Compile to IL (<see cref="RegexOptions.Compiled"/>): a few milliseconds once, then
    /// several times faster per match; for a pattern that is constant at a call site on the hot path.</param>
    public static Regex Compile(string pattern, string? flags = null, bool ignoreCase = false, bool toIl = false)
    {
        var options = RegexOptions.CultureInvariant;
        if (toIl) options |= RegexOptions.Compiled;
        if (ignoreCase) options |= RegexOptions.IgnoreCase;
        foreach (var f in flags ?? "")
        {
            options |= f switch
            {
                'i' => RegexOptions.IgnoreCase,
                'm' => RegexOptions.Multiline,
                's' => RegexOptions.Singleline,
                'x' => RegexOptions.IgnorePatternWhitespace,
                'g' => RegexOptions.None,
                _ => throw new DataException($"regex flag '{f}' is not supported"),
            };
        }
        try
        {
            return new Regex(pattern.Replace("(?P<", "(?<"), options, TimeSpan.FromSeconds(5));
        }
        catch (ArgumentException e)
        {
            throw new DataException($"invalid regular expression '{pattern}': {e.Message}");
        }
    }

    /// <summary>A SQL LIKE pattern as an anchored regex (% = any run, _ = one char, \ escapes).</summary>
    public static Regex LikeToRegex(string pattern, bool ignoreCase)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length) sb.Append(Regex.Escape(pattern[++i].ToString()));
            else if (c == '%') sb.Append(".*");
            else if (c == '_') sb.Append('.');
            else sb.Append(Regex.Escape(c.ToString()));
        }
        sb.Append('$');
        var options = RegexOptions.Singleline | RegexOptions.CultureInvariant;
        if (ignoreCase) options |= RegexOptions.IgnoreCase;
        return new Regex(sb.ToString(), options);
    }

    public static readonly SearchValues<char> LikeSpecial = SearchValues.Create("%_\\");
}
