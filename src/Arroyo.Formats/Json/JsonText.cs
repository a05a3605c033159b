using System.Runtime.CompilerServices;
using System.Text;

namespace Arroyo.Formats.Json;

/// <summary>JSON string escaping over UTF-8: only quote, backslash and control characters are escaped (non-ASCII is kept as is).</summary>
internal static class JsonText
{
    private static readonly byte[] s_hex = "0123456789abcdef"u8.ToArray();

    public static void WriteString(ByteBuffer output, ReadOnlySpan<byte> utf8)
    {
        output.Write((byte)'"');
        var runStart = 0;
        for (var i = 0; i < utf8.Length; i++)
        {
            var b = utf8[i];
            if (b >= 0x20 && b != (byte)'"' && b != (byte)'\\') continue;
            output.Write(utf8[runStart..i]);
            WriteEscape(output, b);
            runStart = i + 1;
        }
        output.Write(utf8[runStart..]);
        output.Write((byte)'"');
    }

    public static void WriteString(ByteBuffer output, string text) => WriteString(output, Encoding.UTF8.GetBytes(text));

    /// <summary>The bytes of <c>"name":</c>, escaped, precomputed once per column.</summary>
    public static byte[] Key(string name)
    {
        var buffer = new ByteBuffer(name.Length + 8);
        WriteString(buffer, name);
        buffer.Write((byte)':');
        return buffer.Written.ToArray();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WriteEscape(ByteBuffer output, byte b)
    {
        switch (b)
        {
            case (byte)'"': output.Write("\\\""u8); break;
            case (byte)'\\': output.Write("\\\\"u8); break;
            case (byte)'\n': output.Write("\\n"u8); break;
            case (byte)'\r': output.Write("\\r"u8); break;
            case (byte)'\t': output.Write("\\t"u8); break;
            case 0x08: output.Write("\\b"u8); break;
            case 0x0C: output.Write("\\f"u8); break;
            default:
                output.Write("\\u00"u8);
                output.Write(s_hex[b >> 4]);
                output.Write(s_hex[b & 15]);
                break;
        }
    }
}
