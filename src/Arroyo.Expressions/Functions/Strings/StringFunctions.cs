using System.Globalization;
using System.Text;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Kernels;
using static Arroyo.Expressions.Binding.Param;

namespace Arroyo.Expressions.Functions;

/// <summary>String functions with DataFusion's semantics; positions and lengths count Unicode characters.</summary>
internal static class StringFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.Add("lower", [Text], DataType.Utf8, AsciiCase(upper: false));
        r.Add("upper", [Text], DataType.Utf8, AsciiCase(upper: true));
        r.Add("length", [Text], DataType.Int32, Fn.Utf8To(s => CountChars(s)));
        r.Alias("char_length", "length");
        r.Alias("character_length", "length");
        r.Add("octet_length", [Text], DataType.Int32, Fn.Utf8To(s => s.Length));
        r.Add("bit_length", [Text], DataType.Int32, Fn.Utf8To(s => s.Length * 8));
        r.Add("concat", new Overload([Text], _ => DataType.Utf8, Strings.Concat.Factory, variadic: true));
        r.Add("concat_ws", new Overload([Text, Text], _ => DataType.Utf8, Strings.Concat.WithSeparatorFactory, variadic: true, minArgs: 2));
        r.Add("substr", [Text, BigInt, BigInt], DataType.Utf8, Fn.Rows(a => Substr((string)a[0]!, (long)a[1]!, a.Length > 2 ? (long)a[2]! : null)), minArgs: 2);
        r.Alias("substring", "substr");
        r.Add("left", [Text, BigInt], DataType.Utf8, Fn.Rows(a => Left((string)a[0]!, (long)a[1]!)));
        r.Add("right", [Text, BigInt], DataType.Utf8, Fn.Rows(a => Right((string)a[0]!, (long)a[1]!)));
        r.Add("lpad", [Text, BigInt, Text], DataType.Utf8, Fn.Rows(a => Pad((string)a[0]!, (long)a[1]!, a.Length > 2 ? (string)a[2]! : " ", left: true)), minArgs: 2);
        r.Add("rpad", [Text, BigInt, Text], DataType.Utf8, Fn.Rows(a => Pad((string)a[0]!, (long)a[1]!, a.Length > 2 ? (string)a[2]! : " ", left: false)), minArgs: 2);
        r.Add("ltrim", [Text, Text], DataType.Utf8, Fn.Rows(a => ((string)a[0]!).TrimStart(TrimChars(a))), minArgs: 1);
        r.Add("rtrim", [Text, Text], DataType.Utf8, Fn.Rows(a => ((string)a[0]!).TrimEnd(TrimChars(a))), minArgs: 1);
        r.Add("btrim", [Text, Text], DataType.Utf8, Fn.Rows(a => ((string)a[0]!).Trim(TrimChars(a))), minArgs: 1);
        r.Alias("trim", "btrim");
        r.Add("replace", [Text, Text, Text], DataType.Utf8, Fn.Rows(a => ((string)a[1]!).Length == 0 ? a[0] : ((string)a[0]!).Replace((string)a[1]!, (string)a[2]!, StringComparison.Ordinal)));
        r.Add("repeat", [Text, BigInt], DataType.Utf8, Fn.Rows(a => string.Concat(Enumerable.Repeat((string)a[0]!, (int)Math.Max(0, (long)a[1]!)))));
        r.Add("reverse", [Text], DataType.Utf8, Fn.Str(s => string.Concat(s.EnumerateRunes().Reverse().Select(x => x.ToString()))));
        r.Add("split_part", [Text, Text, BigInt], DataType.Utf8, Strings.SplitPart.Factory);
        r.Add("starts_with", [Text, Text], DataType.Boolean, Fn.Rows(a => ((string)a[0]!).StartsWith((string)a[1]!, StringComparison.Ordinal)));
        r.Add("ends_with", [Text, Text], DataType.Boolean, Fn.Rows(a => ((string)a[0]!).EndsWith((string)a[1]!, StringComparison.Ordinal)));
        r.Add("strpos", [Text, Text], DataType.Int32, Fn.Rows(a => StrPos((string)a[0]!, (string)a[1]!)));
        r.Alias("instr", "strpos");
        r.Alias("position", "strpos");
        r.Add("initcap", [Text], DataType.Utf8, Fn.Str(InitCap));
        r.Add("ascii", [Text], DataType.Int32, Fn.Rows(a => ((string)a[0]!).Length == 0 ? 0 : Rune.GetRuneAt((string)a[0]!, 0).Value));
        r.Add("chr", [BigInt], DataType.Utf8, Fn.Rows(a => Chr((long)a[0]!)));
        r.Add("translate", [Text, Text, Text], DataType.Utf8, Fn.Rows(a => Translate((string)a[0]!, (string)a[1]!, (string)a[2]!)));
        r.Add("to_hex", [BigInt], DataType.Utf8, Fn.Rows(a => ((long)a[0]!).ToString("x", CultureInfo.InvariantCulture)));
        r.Add("uuid", [], DataType.Utf8, (_, ret) => Fn.Kernel((_, n) =>
        {
            var b = new StringColumnBuilder(ret, n);
            for (var i = 0; i < n; i++) b.Append(Guid.NewGuid().ToString());
            return b.Build();
        }), isVolatile: true);
        r.Add("levenshtein", [Text, Text], DataType.Int32, Fn.Rows(a => Arroyo.Core.Errors.Suggestions.Distance((string)a[0]!, (string)a[1]!)));
        r.Add("overlay", [Text, Text, BigInt, BigInt], DataType.Utf8, Fn.Rows(a => Overlay((string)a[0]!, (string)a[1]!, (long)a[2]!, a.Length > 3 ? (long)a[3]! : null)), minArgs: 3);
        r.Add("encode", [Text, Text], DataType.Utf8, Fn.Rows(a => Encode(Encoding.UTF8.GetBytes((string)a[0]!), (string)a[1]!)));
        r.Add("encode", [Of(DataType.Binary), Text], DataType.Utf8, Fn.Rows(a => Encode((byte[])a[0]!, (string)a[1]!)));
        r.Add("decode", [Text, Text], DataType.Binary, Fn.Rows(a => Decode((string)a[0]!, (string)a[1]!)));
        r.Add("contains", [Text, Text], DataType.Boolean, Fn.Rows(a => ((string)a[0]!).Contains((string)a[1]!, StringComparison.Ordinal)));
        r.Add("find_in_set", [Text, Text], DataType.Int32, Fn.Rows(a => FindInSet((string)a[0]!, (string)a[1]!)));
        r.Add("substr_index", [Text, Text, BigInt], DataType.Utf8, Fn.Rows(a => SubstrIndex((string)a[0]!, (string)a[1]!, (long)a[2]!)));
        r.Alias("substring_index", "substr_index");
    }

    /// <summary>The 1-based index of <paramref name="s"/> among the comma-separated <paramref name="list"/>, 0 when absent.</summary>
    private static int FindInSet(string s, string list)
    {
        if (list.Length == 0) return 0;
        var parts = list.Split(',');
        return Array.IndexOf(parts, s) + 1;
    }

    /// <summary>
    /// MySQL's substring_index as DataFusion has it: what lies before the <paramref name="count"/>-th
    /// delimiter from the left (count &gt; 0) or after the |count|-th from the right (count &lt; 0);
    /// the whole string when there are fewer delimiters, empty for count 0 or an empty delimiter.
    /// </summary>
    private static string SubstrIndex(string s, string delimiter, long count)
    {
        if (count == 0 || delimiter.Length == 0 || s.Length == 0) return "";
        if (count > 0)
        {
            var index = -delimiter.Length;
            for (var i = 0L; i < count; i++)
            {
                index = s.IndexOf(delimiter, index + delimiter.Length, StringComparison.Ordinal);
                if (index < 0) return s;
            }
            return s[..index];
        }
        var end = s.Length;
        for (var i = 0L; i < -count; i++)
        {
            var index = end == 0 ? -1 : s.LastIndexOf(delimiter, end - 1, StringComparison.Ordinal);
            if (index < 0) return s;
            end = index;
            if (i == -count - 1) return s[(index + delimiter.Length)..];
        }
        return s;
    }

    /// <summary>lower/upper: ASCII text (the common case) is converted byte by byte without a string per row.</summary>
    private static ScalarKernelFactory AsciiCase(bool upper) => (bound, ret) => Fn.Kernel((args, n) =>
    {
        if (args[0] is not StringColumn c) return NullColumns.Of(ret, n);
        var builder = new StringColumnBuilder(ret, n);
        for (var i = 0; i < n; i++)
        {
            if (!c.IsValid(i))
            {
                builder.AppendNull();
                continue;
            }
            var s = c.GetBytes(i);
            if (Ascii.IsValid(s))
            {
                var span = builder.GetWriteSpan(s.Length);
                if (upper) Ascii.ToUpper(s, span, out _);
                else Ascii.ToLower(s, span, out _);
                builder.CommitWritten(s.Length);
            }
            else
            {
                var str = Encoding.UTF8.GetString(s);
                builder.Append(upper ? str.ToUpperInvariant() : str.ToLowerInvariant());
            }
        }
        return builder.Build();
    });

    public static int CountChars(ReadOnlySpan<byte> utf8)
    {
        var count = 0;
        foreach (var b in utf8) if ((b & 0xC0) != 0x80) count++;
        return count;
    }

    private static int[] Runes(string s) => s.EnumerateRunes().Select(r => r.Value).ToArray();

    private static string FromRunes(IEnumerable<int> runes)
    {
        var sb = new StringBuilder();
        foreach (var r in runes) sb.Append(new Rune(r).ToString());
        return sb.ToString();
    }

    private static string Substr(string s, long start, long? length)
    {
        if (length < 0) throw new DataException("negative substring length not allowed");
        var runes = Runes(s);
        // PostgreSQL semantics: positions before 1 still consume the length.
        var end = length is null ? long.MaxValue : start + length.Value;
        var from = Math.Max(start, 1);
        if (end <= from || from > runes.Length) return "";
        var to = Math.Min(end, runes.Length + 1L);
        return FromRunes(runes.Skip((int)from - 1).Take((int)(to - from)));
    }

    private static string Left(string s, long n)
    {
        var runes = Runes(s);
        var take = n >= 0 ? Math.Min(n, runes.Length) : Math.Max(0, runes.Length + n);
        return FromRunes(runes.Take((int)take));
    }

    private static string Right(string s, long n)
    {
        var runes = Runes(s);
        var take = n >= 0 ? Math.Min(n, runes.Length) : Math.Max(0, runes.Length + n);
        return FromRunes(runes.Skip(runes.Length - (int)take));
    }

    private static string Pad(string s, long length, string fill, bool left)
    {
        var runes = Runes(s);
        if (length <= 0) return "";
        if (runes.Length >= length) return FromRunes(runes.Take((int)length));
        var fillRunes = Runes(fill);
        if (fillRunes.Length == 0) return s;
        var padding = new List<int>();
        for (var i = 0; padding.Count < length - runes.Length; i++) padding.Add(fillRunes[i % fillRunes.Length]);
        return left ? FromRunes(padding.Concat(runes)) : FromRunes(runes.Concat(padding));
    }

    private static char[]? TrimChars(object?[] a) => a.Length > 1 ? ((string)a[1]!).ToCharArray() : [' '];

    private static int StrPos(string s, string sub)
    {
        var i = s.IndexOf(sub, StringComparison.Ordinal);
        return i < 0 ? 0 : s[..i].EnumerateRunes().Count() + 1;
    }

    private static string InitCap(string s)
    {
        var sb = new StringBuilder(s.Length);
        var startOfWord = true;
        foreach (var c in s)
        {
            sb.Append(startOfWord ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            startOfWord = !char.IsLetterOrDigit(c);
        }
        return sb.ToString();
    }

    private static string Chr(long code)
    {
        if (code == 0) throw new DataException("null character not permitted");
        if (!Rune.IsValid((int)code) || code > int.MaxValue) throw new DataException($"requested character {code} is not a valid character");
        return new Rune((int)code).ToString();
    }

    private static string Translate(string s, string from, string to)
    {
        var f = Runes(from);
        var t = Runes(to);
        var result = new List<int>();
        foreach (var r in Runes(s))
        {
            var i = Array.IndexOf(f, r);
            if (i < 0) result.Add(r);
            else if (i < t.Length) result.Add(t[i]);
        }
        return FromRunes(result);
    }

    private static string Overlay(string s, string replacement, long from, long? count)
    {
        var runes = Runes(s);
        var n = count ?? Runes(replacement).Length;
        var head = runes.Take((int)Math.Max(0, from - 1));
        var tail = runes.Skip((int)Math.Min(runes.Length, Math.Max(0, from - 1 + n)));
        return FromRunes(head) + replacement + FromRunes(tail);
    }

    // DataFusion encodes base64 without padding and accepts either on decode.
    internal static string Encode(byte[] bytes, string format) => format.ToLowerInvariant() switch
    {
        "base64" => Convert.ToBase64String(bytes).TrimEnd('='),
        "hex" => Convert.ToHexString(bytes).ToLowerInvariant(),
        _ => throw new DataException($"There is no built-in encoding named '{format}', currently supported encodings are: base64, hex"),
    };

    internal static byte[] Decode(string text, string format)
    {
        try
        {
            return format.ToLowerInvariant() switch
            {
                "base64" => Convert.FromBase64String(text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=')),
                "hex" => Convert.FromHexString(text),
                _ => throw new DataException($"There is no built-in encoding named '{format}', currently supported encodings are: base64, hex"),
            };
        }
        catch (FormatException e)
        {
            throw new DataException($"Failed to decode value using {format}: {e.Message}");
        }
    }
}
