using System.Buffers.Binary;

namespace Arroyo.Connectors.Filesystem.Sink;

/// <summary>
/// The footer of a Parquet file written in segments. A file kept open across checkpoints is
/// written as one Parquet "segment" per checkpoint interval (a ParquetSharp writer closed at
/// the barrier, its body appended to the file without its leading magic); this joins the
/// segments' footers into the one footer of the whole file: the first segment's schema and
/// key-value metadata, every segment's row groups with their byte offsets moved to where the
/// segment's bytes sit in the file, and the summed row count.
/// </summary>
/// <remarks>
/// The footer is Thrift's compact protocol (parquet.thrift's <c>FileMetaData</c>). Fields are
/// copied byte for byte; only the offsets of <c>RowGroup</c>, <c>ColumnChunk</c> and
/// <c>ColumnMetaData</c>, the row-group ordinal and <c>FileMetaData.num_rows</c>/<c>row_groups</c>
/// are rewritten, so fields this code does not know (newer statistics) pass through unchanged.
/// </remarks>
internal sealed class ParquetFooter
{
    private static readonly byte[] s_magic = "PAR1"u8.ToArray();
    private byte[]? _first;
    private readonly List<byte[]> _rowGroups = [];
    private long _rows;

    public int RowGroups => _rowGroups.Count;

    public long Rows => _rows;

    /// <summary>
    /// Adds the footer (the Thrift <c>FileMetaData</c>, without length and magic) of a segment
    /// whose byte at offset <c>o</c> is at <c>o + shift</c> in the whole file.
    /// </summary>
    public void AddSegment(byte[] footer, long shift)
    {
        var reader = new Compact(footer);
        var ignored = new MemoryStream();
        reader.ForEachField((id, type) =>
        {
            if (id == 3 && type == Compact.I64)
            {
                _rows += reader.ReadLong();
            }
            else if (id == 4 && type == Compact.List)
            {
                var (count, _) = reader.ReadListHeader();
                for (var i = 0; i < count; i++)
                {
                    var output = new MemoryStream();
                    var rows = reader.CopyStruct(output, Kind.RowGroup, shift, _rowGroups.Count);
                    // A segment closed right after its rows were flushed ends with an empty row
                    // group (see ParquetFileWriter.EndSegment); it holds no data, so it is left out.
                    if (rows != 0) _rowGroups.Add(output.ToArray());
                }
            }
            else
            {
                reader.CopyValue(ignored, type, Kind.Other, 0, 0);
            }
        });
        _first ??= footer;
    }

    /// <summary>The footer for every row group added so far, with its length and the closing magic: what ends the file.</summary>
    public byte[] Build()
    {
        if (_first is null) throw new InvalidOperationException("no Parquet segment was written; this is a bug");
        var output = new MemoryStream();
        var reader = new Compact(_first);
        reader.ForEachField((id, type, header) =>
        {
            if (id == 3 && type == Compact.I64)
            {
                output.Write(header);
                reader.ReadLong();
                Compact.WriteVarint(output, Compact.ZigZag(_rows));
            }
            else if (id == 4 && type == Compact.List)
            {
                output.Write(header);
                reader.CopyValue(new MemoryStream(), type, Kind.Other, 0, 0);
                Compact.WriteListHeader(output, _rowGroups.Count, Compact.Struct);
                foreach (var group in _rowGroups) output.Write(group);
            }
            else
            {
                output.Write(header);
                reader.CopyValue(output, type, Kind.Other, 0, 0);
            }
        });
        output.WriteByte(0);
        var length = (int)output.Length;
        Span<byte> tail = stackalloc byte[8];
        BinaryPrimitives.WriteInt32LittleEndian(tail, length);
        s_magic.CopyTo(tail[4..]);
        output.Write(tail);
        return output.ToArray();
    }

    /// <summary>Splits what a Parquet writer wrote at its close into the bytes before the footer and the footer's Thrift bytes.</summary>
    public static (int BodyLength, byte[] Footer) SplitTail(ReadOnlySpan<byte> tail)
    {
        if (tail.Length < 8 || !tail[^4..].SequenceEqual(s_magic))
        {
            throw new InvalidDataException("the Parquet writer's last bytes are not a footer; this is a bug");
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(tail[^8..^4]);
        if (length <= 0 || length > tail.Length - 8) throw new InvalidDataException($"the Parquet footer length {length} does not fit what the writer wrote; this is a bug");
        var start = tail.Length - 8 - length;
        return (start, tail.Slice(start, length).ToArray());
    }

    private enum Kind
    {
        Other,
        RowGroup,
        ColumnChunk,
        ColumnMetaData,
    }

    /// <summary>Reads (and copies) Thrift compact-protocol values from one buffer.</summary>
    private sealed class Compact(byte[] data)
    {
        public const int I16 = 4;
        public const int I64 = 6;
        public const int List = 9;
        public const int Struct = 12;

        private int _pos;

        /// <summary>Calls <paramref name="field"/> for each field of the struct at the position; it must consume the value.</summary>
        public void ForEachField(Action<short, int> field) => ForEachField((id, type, _) => field(id, type));

        public void ForEachField(Action<short, int, byte[]> field)
        {
            short last = 0;
            while (true)
            {
                var (id, type, header) = ReadFieldHeader(ref last);
                if (type == 0) return;
                field(id, type, header);
            }
        }

        public long ReadLong() => UnZigZag(ReadVarint());

        public (int Count, int ElementType) ReadListHeader()
        {
            var b = data[_pos++];
            var count = b >> 4;
            if (count == 15) count = checked((int)ReadVarint());
            return (count, b & 0x0F);
        }

        /// <summary>
        /// Copies the struct at the position to <paramref name="output"/>, moving the offsets of a
        /// row group's parts by <paramref name="shift"/>; returns a row group's <c>num_rows</c> (-1 for other structs).
        /// </summary>
        public long CopyStruct(Stream output, Kind kind, long shift, int ordinal)
        {
            short last = 0;
            var rows = -1L;
            while (true)
            {
                var (id, type, header) = ReadFieldHeader(ref last);
                output.Write(header);
                if (type == 0) return rows;
                // parquet.thrift: RowGroup.num_rows (3).
                if (type == I64 && kind == Kind.RowGroup && id == 3)
                {
                    rows = ReadLong();
                    WriteVarint(output, ZigZag(rows));
                }
                else if (type == I64 && IsOffset(kind, id))
                {
                    WriteVarint(output, ZigZag(ReadLong() + shift));
                }
                else if (type == I16 && kind == Kind.RowGroup && id == 7)
                {
                    ReadLong();
                    WriteVarint(output, ZigZag(ordinal));
                }
                else
                {
                    CopyValue(output, type, ChildOf(kind, id), shift, ordinal);
                }
            }
        }

        public void CopyValue(Stream output, int type, Kind kind, long shift, int ordinal)
        {
            var start = _pos;
            switch (type)
            {
                case 1 or 2:
                    return;
                case 3:
                    _pos++;
                    break;
                case 4 or 5 or 6:
                    ReadVarint();
                    break;
                case 7:
                    _pos += 8;
                    break;
                case 8:
                {
                    // Not `_pos += ReadVarint()`: that would add the length to the position before the length was read.
                    var length = checked((int)ReadVarint());
                    _pos += length;
                    break;
                }
                case 13:
                    _pos += 16;
                    break;
                case 9 or 10:
                {
                    var (count, element) = ReadListHeader();
                    output.Write(data, start, _pos - start);
                    for (var i = 0; i < count; i++) CopyElement(output, element, kind, shift, ordinal);
                    return;
                }
                case 11:
                {
                    var count = checked((int)ReadVarint());
                    if (count == 0)
                    {
                        output.Write(data, start, _pos - start);
                        return;
                    }
                    var types = data[_pos++];
                    output.Write(data, start, _pos - start);
                    for (var i = 0; i < count; i++)
                    {
                        CopyElement(output, types >> 4, Kind.Other, 0, 0);
                        CopyElement(output, types & 0x0F, Kind.Other, 0, 0);
                    }
                    return;
                }
                case Struct:
                    CopyStruct(output, kind, shift, ordinal);
                    return;
                default:
                    throw new InvalidDataException($"Parquet footer has an unknown Thrift type {type} at byte {start}; this is a bug");
            }
            output.Write(data, start, _pos - start);
        }

        // Booleans inside a list are one byte each; every other element type is read as a value.
        private void CopyElement(Stream output, int type, Kind kind, long shift, int ordinal)
        {
            if (type is 1 or 2)
            {
                output.WriteByte(data[_pos++]);
                return;
            }
            CopyValue(output, type, kind, shift, ordinal);
        }

        private (short Id, int Type, byte[] Header) ReadFieldHeader(ref short last)
        {
            var start = _pos;
            var b = data[_pos++];
            var type = b & 0x0F;
            if (type == 0) return (0, 0, [0]);
            var delta = b >> 4;
            var id = delta != 0 ? (short)(last + delta) : (short)UnZigZag(ReadVarint());
            last = id;
            return (id, type, data.AsSpan(start, _pos - start).ToArray());
        }

        private ulong ReadVarint()
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = data[_pos++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0) return value;
                if (shift > 63) throw new InvalidDataException("Parquet footer has a varint over 64 bits; this is a bug");
            }
        }

        // parquet.thrift: RowGroup.file_offset (5); ColumnChunk.file_offset (2), offset_index_offset (4),
        // column_index_offset (6); ColumnMetaData.data_page_offset (9), index_page_offset (10),
        // dictionary_page_offset (11), bloom_filter_offset (14).
        private static bool IsOffset(Kind kind, short id) => kind switch
        {
            Kind.RowGroup => id == 5,
            Kind.ColumnChunk => id is 2 or 4 or 6,
            Kind.ColumnMetaData => id is 9 or 10 or 11 or 14,
            _ => false,
        };

        // RowGroup.columns (1) holds ColumnChunks; ColumnChunk.meta_data (3) is a ColumnMetaData.
        private static Kind ChildOf(Kind kind, short id) => (kind, id) switch
        {
            (Kind.RowGroup, 1) => Kind.ColumnChunk,
            (Kind.ColumnChunk, 3) => Kind.ColumnMetaData,
            _ => Kind.Other,
        };

        public static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));

        private static long UnZigZag(ulong value) => (long)(value >> 1) ^ -(long)(value & 1);

        public static void WriteVarint(Stream output, ulong value)
        {
            while (value >= 0x80)
            {
                output.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            output.WriteByte((byte)value);
        }

        public static void WriteListHeader(Stream output, int count, int elementType)
        {
            if (count < 15)
            {
                output.WriteByte((byte)((count << 4) | elementType));
                return;
            }
            output.WriteByte((byte)(0xF0 | elementType));
            WriteVarint(output, (ulong)count);
        }
    }
}
