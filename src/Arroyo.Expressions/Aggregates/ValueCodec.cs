using System.Numerics;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Aggregates;

/// <summary>Binary encoding of accumulator state for checkpoints (versioned by the operator's table format).</summary>
public static class ValueCodec
{
    public static void WriteNumber<T>(BinaryWriter writer, T value) where T : INumberBase<T>
    {
        switch (value)
        {
            case long l: writer.Write(l); break;
            case ulong ul: writer.Write(ul); break;
            case double d: writer.Write(d); break;
            case decimal m: writer.Write(m); break;
            default: writer.Write(double.CreateTruncating(value)); break;
        }
    }

    public static T ReadNumber<T>(BinaryReader reader) where T : INumberBase<T>
    {
        if (typeof(T) == typeof(long)) return T.CreateTruncating(reader.ReadInt64());
        if (typeof(T) == typeof(ulong)) return T.CreateTruncating(reader.ReadUInt64());
        if (typeof(T) == typeof(decimal)) return T.CreateTruncating(reader.ReadDecimal());
        return T.CreateTruncating(reader.ReadDouble());
    }

    /// <summary>Writes a boxed value (as <c>Column.GetValue</c> returns) of <paramref name="type"/>.</summary>
    public static void Write(BinaryWriter writer, DataType type, object? value)
    {
        writer.Write(value is not null);
        if (value is null) return;
        switch (type.Kind)
        {
            case TypeKind.Boolean: writer.Write((bool)value); break;
            case TypeKind.Int8: writer.Write((sbyte)value); break;
            case TypeKind.Int16: writer.Write((short)value); break;
            case TypeKind.Int32 or TypeKind.Date: writer.Write((int)value); break;
            case TypeKind.Int64 or TypeKind.Timestamp or TypeKind.Time: writer.Write((long)value); break;
            case TypeKind.UInt8: writer.Write((byte)value); break;
            case TypeKind.UInt16: writer.Write((ushort)value); break;
            case TypeKind.UInt32: writer.Write((uint)value); break;
            case TypeKind.UInt64: writer.Write((ulong)value); break;
            case TypeKind.Float32: writer.Write((float)value); break;
            case TypeKind.Float64: writer.Write((double)value); break;
            case TypeKind.Decimal: writer.Write((decimal)value); break;
            case TypeKind.Utf8: writer.Write((string)value); break;
            case TypeKind.Binary:
                var bytes = (byte[])value;
                writer.Write(bytes.Length);
                writer.Write(bytes);
                break;
            case TypeKind.Interval:
                var iv = (IntervalValue)value;
                writer.Write(iv.Months);
                writer.Write(iv.Days);
                writer.Write(iv.Nanoseconds);
                break;
            case TypeKind.List:
                var items = (object?[])value;
                writer.Write(items.Length);
                foreach (var item in items) Write(writer, type.Element!, item);
                break;
            case TypeKind.Struct:
                var fields = (object?[])value;
                for (var i = 0; i < type.Fields.Count; i++) Write(writer, type.Fields[i].Type, fields[i]);
                break;
            case TypeKind.Null:
                break;
            default: throw new NotSupportedException($"cannot encode {type}");
        }
    }

    public static object? Read(BinaryReader reader, DataType type)
    {
        if (!reader.ReadBoolean()) return null;
        switch (type.Kind)
        {
            case TypeKind.Boolean: return reader.ReadBoolean();
            case TypeKind.Int8: return reader.ReadSByte();
            case TypeKind.Int16: return reader.ReadInt16();
            case TypeKind.Int32 or TypeKind.Date: return reader.ReadInt32();
            case TypeKind.Int64 or TypeKind.Timestamp or TypeKind.Time: return reader.ReadInt64();
            case TypeKind.UInt8: return reader.ReadByte();
            case TypeKind.UInt16: return reader.ReadUInt16();
            case TypeKind.UInt32: return reader.ReadUInt32();
            case TypeKind.UInt64: return reader.ReadUInt64();
            case TypeKind.Float32: return reader.ReadSingle();
            case TypeKind.Float64: return reader.ReadDouble();
            case TypeKind.Decimal: return reader.ReadDecimal();
            case TypeKind.Utf8: return reader.ReadString();
            case TypeKind.Binary: return reader.ReadBytes(reader.ReadInt32());
            case TypeKind.Interval: return new IntervalValue(reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt64());
            case TypeKind.List:
                var items = new object?[reader.ReadInt32()];
                for (var i = 0; i < items.Length; i++) items[i] = Read(reader, type.Element!);
                return items;
            case TypeKind.Struct:
                var fields = new object?[type.Fields.Count];
                for (var i = 0; i < fields.Length; i++) fields[i] = Read(reader, type.Fields[i].Type);
                return fields;
            default: return null;
        }
    }
}
