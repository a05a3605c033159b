using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Arroyo.Core.Columns;
using Arroyo.Core.Time;
using Arroyo.Core.Types;

namespace Arroyo.Formats.Json;

/// <summary>
/// The common case of <see cref="JsonRowReader"/> without <see cref="Utf8JsonReader"/>'s
/// token machine: one pass over the record's bytes that finds the closing quote of a string
/// with a vectorised search (which also stops at non-ASCII bytes, whose UTF-8 it validates
/// there, so records need no separate validation pass), parses integers in place, matches keys against the slots' UTF-8
/// names and writes each value straight into its column builder. It only accepts what it is
/// sure the full reader would accept with the same value; anything else (a syntax error, an
/// escaped key, a <c>\u</c> escape in a kept string, a number that needs more than 18 digits, a
/// string where a number is expected, a missing NOT NULL field…) returns false, and the caller
/// reads the record again with the full reader, which produces the row or the exact error it
/// always did. So this path changes speed, never results.
/// </summary>
internal sealed class JsonFastPath
{
    // Bytes that end the fast scan of a string: its closing quote, an escape, or a control
    // character (which JSON forbids inside strings).
    private static readonly SearchValues<byte> s_stringStops = SearchValues.Create(
        [(byte)'"', (byte)'\\', .. Enumerable.Range(0, 0x20).Select(b => (byte)b)]);

    private static readonly JsonReaderOptions s_nestedOptions = new() { MaxDepth = 63 };

    private readonly JsonSlot[] _slots;
    private readonly bool[] _seen;
    private readonly bool _unixMillis;
    private JsonTimestamps.DateCache _dates;

    // Names that JSON writes as they are (no quote, backslash or control character), so that
    // their bytes followed by a quote are the whole key.
    private readonly bool[] _plainNames;

    // Plain names of up to 15 bytes: the name and its closing quote as two little-endian words
    // and the masks of their bytes, so that the expected key is two compares instead of a call.
    private readonly ulong[] _keyWords;
    private readonly ulong[] _keyMasks;

    private JsonFastPath(JsonSlot[] slots, bool unixMillis)
    {
        _slots = slots;
        _seen = new bool[slots.Length];
        _unixMillis = unixMillis;
        _plainNames = slots.Select(s => s.Name.AsSpan().IndexOfAny(s_stringStops) < 0).ToArray();
        _keyWords = new ulong[slots.Length * 2];
        _keyMasks = new ulong[slots.Length * 2];
        Span<byte> key = stackalloc byte[16];
        Span<byte> mask = stackalloc byte[16];
        for (var s = 0; s < slots.Length; s++)
        {
            var name = slots[s].Name;
            if (!_plainNames[s] || name.Length + 1 > 16) continue;
            key.Clear();
            mask.Clear();
            name.CopyTo(key);
            key[name.Length] = (byte)'"';
            mask[..(name.Length + 1)].Fill(0xFF);
            _keyWords[2 * s] = BinaryPrimitives.ReadUInt64LittleEndian(key);
            _keyWords[2 * s + 1] = BinaryPrimitives.ReadUInt64LittleEndian(key[8..]);
            _keyMasks[2 * s] = BinaryPrimitives.ReadUInt64LittleEndian(mask);
            _keyMasks[2 * s + 1] = BinaryPrimitives.ReadUInt64LittleEndian(mask[8..]);
        }
    }

    /// <summary>Whether the key at <paramref name="start"/> (after its opening quote) is slot <paramref name="slot"/>'s plain name.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool IsExpectedKey(ReadOnlySpan<byte> json, int start, int slot)
    {
        var mask = _keyMasks[2 * slot];
        if (mask != 0 && start + 16 <= json.Length)
        {
            return (BinaryPrimitives.ReadUInt64LittleEndian(json[start..]) & mask) == _keyWords[2 * slot] &&
                (BinaryPrimitives.ReadUInt64LittleEndian(json[(start + 8)..]) & _keyMasks[2 * slot + 1]) == _keyWords[2 * slot + 1];
        }
        return IsKeyAt(json, start, _slots[slot].Name);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsKeyAt(ReadOnlySpan<byte> json, int start, byte[] name) =>
        start + name.Length < json.Length && json[start + name.Length] == (byte)'"' && json.Slice(start, name.Length).SequenceEqual(name);

    /// <summary>A fast path for these top-level fields, or null when one of them has a type only the full reader handles.</summary>
    public static JsonFastPath? For(JsonSlot[] slots, bool unixMillis)
    {
        if (slots.Length == 0) return null;
        foreach (var slot in slots)
        {
            if (slot.IsJson) continue;
            switch (slot.Kind)
            {
                case TypeKind.Boolean:
                case TypeKind.Int8 or TypeKind.Int16 or TypeKind.Int32 or TypeKind.Int64:
                case TypeKind.UInt8 or TypeKind.UInt16 or TypeKind.UInt32 or TypeKind.UInt64:
                case TypeKind.Float32 or TypeKind.Float64:
                case TypeKind.Utf8:
                case TypeKind.Timestamp:
                    continue;
                default:
                    return null;
            }
        }
        return new JsonFastPath(slots, unixMillis);
    }

    // The per-record methods are compiled fully optimised at their first call
    // (AggressiveOptimization): with tiering, the source thread decoded the first part of a file
    // in unoptimised code (the vectorised scan is not precompiled by ReadyToRun, as it depends on
    // the machine's vector width), about 3 % of a 1 GB file query's CPU.

    /// <summary>
    /// Appends <paramref name="json"/> (trimmed) as one row. False when the full
    /// reader must decide; the row may then be half written (the caller abandons it).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryRead(ReadOnlySpan<byte> json)
    {
        if (json.Length < 2 || json[0] != (byte)'{') return false;
        var slots = _slots;
        var seen = _seen;
        Array.Clear(seen);
        var i = SkipSpace(json, 1);
        if (i < json.Length && json[i] == (byte)'}')
        {
            i++;
        }
        else
        {
            var next = 0;
            while (true)
            {
                if (i >= json.Length || json[i] != (byte)'"') return false;
                var keyStart = i + 1;
                int index, keyLength;
                if (next < slots.Length && _plainNames[next] && IsExpectedKey(json, keyStart, next))
                {
                    // The expected key, compared in place: no search for the closing quote.
                    index = next;
                    keyLength = slots[next].Name.Length;
                }
                else
                {
                    keyLength = JsonStringStops.IndexOf(json[keyStart..]);
                    if (keyLength < 0 || json[keyStart + keyLength] != (byte)'"') return false;
                    index = JsonRowReader.FindSlot(json.Slice(keyStart, keyLength), slots, next);
                }
                i = SkipSpace(json, keyStart + keyLength + 1);
                if (i >= json.Length || json[i] != (byte)':') return false;
                i = SkipSpace(json, i + 1);
                if (i >= json.Length) return false;
                if (index < 0 || seen[index])
                {
                    if (!SkipValue(json, ref i)) return false;
                }
                else
                {
                    seen[index] = true;
                    next = index + 1;
                    if (!ReadValue(json, ref i, slots[index])) return false;
                }
                i = SkipSpace(json, i);
                if (i >= json.Length) return false;
                if (json[i] == (byte)',')
                {
                    i = SkipSpace(json, i + 1);
                    continue;
                }
                if (json[i] != (byte)'}') return false;
                i++;
                break;
            }
        }
        // The record was trimmed: anything after the object is data the full reader refuses.
        if (i != json.Length) return false;
        for (var s = 0; s < slots.Length; s++)
        {
            if (seen[s]) continue;
            if (!slots[s].Field.Nullable) return false;
            slots[s].Builder.AppendNull();
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool ReadValue(ReadOnlySpan<byte> json, ref int i, JsonSlot slot)
    {
        var first = json[i];
        if (first == (byte)'n')
        {
            if (!slot.Field.Nullable || !Literal(json, ref i, "null"u8)) return false;
            slot.Builder.AppendNull();
            return true;
        }
        if (slot.IsJson)
        {
            var start = i;
            if (!SkipValue(json, ref i)) return false;
            ((StringColumnBuilder)slot.Builder).Append(json[start..i]);
            return true;
        }
        switch (slot.Kind)
        {
            case TypeKind.Utf8: return ReadText(json, ref i, slot);
            case TypeKind.Boolean:
                if (first == (byte)'t' && Literal(json, ref i, "true"u8)) ((PrimitiveColumnBuilder<bool>)slot.Builder).Append(true);
                else if (first == (byte)'f' && Literal(json, ref i, "false"u8)) ((PrimitiveColumnBuilder<bool>)slot.Builder).Append(false);
                else return false;
                return true;
            case TypeKind.Timestamp: return ReadTimestamp(json, ref i, slot);
            case TypeKind.Float64 or TypeKind.Float32: return ReadFloat(json, ref i, slot);
            default: return ReadInteger(json, ref i, slot);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool ReadText(ReadOnlySpan<byte> json, ref int i, JsonSlot slot)
    {
        var builder = (StringColumnBuilder)slot.Builder;
        var start = i;
        switch (json[i])
        {
            case (byte)'"':
                if (!ScanString(json, ref i, out var escaped)) return false;
                if (slot.Unread) builder.Append(ReadOnlySpan<byte>.Empty);
                else if (!escaped) builder.Append(json[(start + 1)..(i - 1)]);
                else return Unescape(json[(start + 1)..(i - 1)], builder);
                return true;
            case (byte)'t':
                if (!Literal(json, ref i, "true"u8)) return false;
                break;
            case (byte)'f':
                if (!Literal(json, ref i, "false"u8)) return false;
                break;
            default:
                if (!ScanNumber(json, ref i, out _)) return false;
                break;
        }
        // Numbers and booleans in a text column keep their JSON text.
        builder.Append(json[start..i]);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool ReadInteger(ReadOnlySpan<byte> json, ref int i, JsonSlot slot)
    {
        if (!ParseInteger(json, ref i, out var value, out var negative)) return false;
        switch (slot.Kind)
        {
            case TypeKind.Int64: ((PrimitiveColumnBuilder<long>)slot.Builder).Append(value); return true;
            case TypeKind.Int32 when value is >= int.MinValue and <= int.MaxValue: ((PrimitiveColumnBuilder<int>)slot.Builder).Append((int)value); return true;
            case TypeKind.Int16 when value is >= short.MinValue and <= short.MaxValue: ((PrimitiveColumnBuilder<short>)slot.Builder).Append((short)value); return true;
            case TypeKind.Int8 when value is >= sbyte.MinValue and <= sbyte.MaxValue: ((PrimitiveColumnBuilder<sbyte>)slot.Builder).Append((sbyte)value); return true;
            case TypeKind.UInt64 when value >= 0 && !negative: ((PrimitiveColumnBuilder<ulong>)slot.Builder).Append((ulong)value); return true;
            case TypeKind.UInt32 when value is >= 0 and <= uint.MaxValue && !negative: ((PrimitiveColumnBuilder<uint>)slot.Builder).Append((uint)value); return true;
            case TypeKind.UInt16 when value is >= 0 and <= ushort.MaxValue && !negative: ((PrimitiveColumnBuilder<ushort>)slot.Builder).Append((ushort)value); return true;
            case TypeKind.UInt8 when value is >= 0 and <= byte.MaxValue && !negative: ((PrimitiveColumnBuilder<byte>)slot.Builder).Append((byte)value); return true;
            default: return false;
        }
    }

    private static bool ReadFloat(ReadOnlySpan<byte> json, ref int i, JsonSlot slot)
    {
        var start = i;
        if (!ScanNumber(json, ref i, out _)) return false;
        if (!double.TryParse(json[start..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value)) return false;
        if (slot.Kind == TypeKind.Float64) ((PrimitiveColumnBuilder<double>)slot.Builder).Append(value);
        else ((PrimitiveColumnBuilder<float>)slot.Builder).Append((float)value);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool ReadTimestamp(ReadOnlySpan<byte> json, ref int i, JsonSlot slot)
    {
        var start = i;
        long nanos;
        if (json[i] == (byte)'"')
        {
            if (!ScanString(json, ref i, out var escaped) || escaped) return false;
            if (!JsonTimestamps.TryParse(json[(start + 1)..(i - 1)], ref _dates, out nanos)) return false;
        }
        else
        {
            if (!ParseInteger(json, ref i, out nanos, out _)) return false;
            if (_unixMillis) nanos *= Timestamps.NanosPerMilli;
        }
        ((PrimitiveColumnBuilder<long>)slot.Builder).Append(nanos);
        return true;
    }

    /// <summary>
    /// An integer as JSON writes it (-?(0|[1-9][0-9]*)) of at most 18 digits, read in the same
    /// pass that finds its end; false for anything else (a fraction, an exponent, a leading zero,
    /// more digits), which the full reader then decides on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ParseInteger(ReadOnlySpan<byte> json, ref int i, out long value, out bool negative)
    {
        value = 0;
        var at = i;
        negative = json[at] == (byte)'-';
        if (negative) at++;
        var first = at;
        while (at < json.Length && json[at] - (uint)'0' <= 9)
        {
            value = value * 10 + (json[at] - (byte)'0');
            at++;
        }
        var digits = at - first;
        if (digits is 0 or > 18 || (digits > 1 && json[first] == (byte)'0')) return false;
        if (at < json.Length && (json[at] == (byte)'.' || (json[at] | 0x20) == (byte)'e')) return false;
        if (negative) value = -value;
        i = at;
        return true;
    }

    /// <summary>Moves past any JSON value, checking it as the full reader would; false if it is not valid JSON (or too deep to tell).</summary>
    private static bool SkipValue(ReadOnlySpan<byte> json, ref int i)
    {
        switch (json[i])
        {
            case (byte)'"': return ScanString(json, ref i, out _);
            case (byte)'t': return Literal(json, ref i, "true"u8);
            case (byte)'f': return Literal(json, ref i, "false"u8);
            case (byte)'n': return Literal(json, ref i, "null"u8);
            case (byte)'{' or (byte)'[': return SkipNested(json, ref i);
            default: return ScanNumber(json, ref i, out _);
        }
    }

    // Nested values the schema does not ask for are rare: the full reader checks and skips them.
    private static bool SkipNested(ReadOnlySpan<byte> json, ref int i)
    {
        try
        {
            var reader = new Utf8JsonReader(json[i..], s_nestedOptions);
            if (!reader.Read() || !reader.TrySkip()) return false;
            // The reader does not check the UTF-8 of the strings it skips; the fast path promises valid UTF-8.
            if (!System.Text.Unicode.Utf8.IsValid(json.Slice(i, (int)reader.BytesConsumed))) return false;
            i += (int)reader.BytesConsumed;
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>From an opening quote to just past the closing one; false on a control character or a malformed escape.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ScanString(ReadOnlySpan<byte> json, ref int i, out bool escaped)
    {
        escaped = false;
        var at = i + 1;
        while (true)
        {
            var stop = JsonStringStops.IndexOf(json[at..]);
            if (stop < 0) return false;
            at += stop;
            var b = json[at];
            if (b == (byte)'"')
            {
                i = at + 1;
                return true;
            }
            if (b >= 0x80)
            {
                if (!SkipUtf8(json, ref at)) return false;
                continue;
            }
            if (b != (byte)'\\' || at + 1 >= json.Length) return false;
            escaped = true;
            switch (json[at + 1])
            {
                case (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t':
                    at += 2;
                    break;
                case (byte)'u':
                    if (at + 6 > json.Length) return false;
                    foreach (var h in json.Slice(at + 2, 4))
                    {
                        if (!char.IsAsciiHexDigit((char)h)) return false;
                    }
                    at += 6;
                    break;
                default:
                    return false;
            }
        }
    }

    /// <summary>
    /// Past a run of non-ASCII bytes inside a string, false unless it is valid UTF-8. A
    /// multi-byte sequence never holds an ASCII byte, so checking each such run on its own
    /// checks the whole record.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool SkipUtf8(ReadOnlySpan<byte> json, ref int at)
    {
        var length = json[at..].IndexOfAnyInRange((byte)0, (byte)0x7F);
        if (length < 0) length = json.Length - at;
        if (!System.Text.Unicode.Utf8.IsValid(json.Slice(at, length))) return false;
        at += length;
        return true;
    }

    // The simple escapes written out; a \u escape (surrogates to pair up) is left to the full reader.
    private static bool Unescape(ReadOnlySpan<byte> text, StringColumnBuilder builder)
    {
        if (text.IndexOf("\\u"u8) >= 0) return false;
        var target = builder.GetWriteSpan(text.Length);
        var written = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var b = text[i];
            if (b == (byte)'\\')
            {
                b = text[++i] switch
                {
                    (byte)'b' => 0x08,
                    (byte)'f' => 0x0C,
                    (byte)'n' => (byte)'\n',
                    (byte)'r' => (byte)'\r',
                    (byte)'t' => (byte)'\t',
                    var other => other,
                };
            }
            target[written++] = b;
        }
        builder.CommitWritten(written);
        return true;
    }

    /// <summary>A number as JSON writes it (-?int frac? exp?); <paramref name="integral"/> when it has neither fraction nor exponent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool ScanNumber(ReadOnlySpan<byte> json, ref int i, out bool integral)
    {
        integral = true;
        var at = i;
        if (at < json.Length && json[at] == (byte)'-') at++;
        if (at >= json.Length) return false;
        if (json[at] == (byte)'0') at++;
        else if (json[at] is >= (byte)'1' and <= (byte)'9') at = Digits(json, at);
        else return false;
        if (at < json.Length && json[at] == (byte)'.')
        {
            integral = false;
            var after = Digits(json, at + 1);
            if (after == at + 1) return false;
            at = after;
        }
        if (at < json.Length && (json[at] | 0x20) == (byte)'e')
        {
            integral = false;
            at++;
            if (at < json.Length && json[at] is (byte)'+' or (byte)'-') at++;
            var after = Digits(json, at);
            if (after == at) return false;
            at = after;
        }
        i = at;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Digits(ReadOnlySpan<byte> json, int at)
    {
        while (at < json.Length && json[at] - (uint)'0' <= 9) at++;
        return at;
    }

    private static bool Literal(ReadOnlySpan<byte> json, ref int i, ReadOnlySpan<byte> literal)
    {
        if (!json[i..].StartsWith(literal)) return false;
        i += literal.Length;
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipSpace(ReadOnlySpan<byte> json, int i)
    {
        while (i < json.Length && json[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') i++;
        return i;
    }
}
