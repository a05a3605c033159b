namespace Arroyo.Udfs.Runtime;

/// <summary>
/// Writes and reads one value of a UDAF's group state (the generated accumulator picks the
/// overload by the value's static type). Nullable values carry a presence byte first.
/// </summary>
public static class UdfState
{
    public static void Write(BinaryWriter w, bool v) => w.Write(v);
    public static void Write(BinaryWriter w, sbyte v) => w.Write(v);
    public static void Write(BinaryWriter w, short v) => w.Write(v);
    public static void Write(BinaryWriter w, int v) => w.Write(v);
    public static void Write(BinaryWriter w, long v) => w.Write(v);
    public static void Write(BinaryWriter w, byte v) => w.Write(v);
    public static void Write(BinaryWriter w, ushort v) => w.Write(v);
    public static void Write(BinaryWriter w, uint v) => w.Write(v);
    public static void Write(BinaryWriter w, ulong v) => w.Write(v);
    public static void Write(BinaryWriter w, float v) => w.Write(v);
    public static void Write(BinaryWriter w, double v) => w.Write(v);
    public static void Write(BinaryWriter w, DateTime v) => w.Write(v.ToBinary());

    public static void Write(BinaryWriter w, string? v)
    {
        w.Write(v is not null);
        if (v is not null) w.Write(v);
    }

    public static void Write(BinaryWriter w, byte[]? v)
    {
        w.Write(v is not null);
        if (v is null) return;
        w.Write(v.Length);
        w.Write(v);
    }

    public static void Write<T>(BinaryWriter w, T? v) where T : struct
    {
        w.Write(v.HasValue);
        if (v.HasValue) WriteValue(w, v.Value);
    }

    // Dispatches a nullable's value to its overload (JIT-specialised per T, no boxing).
    private static void WriteValue<T>(BinaryWriter w, T v) where T : struct
    {
        if (typeof(T) == typeof(bool)) Write(w, (bool)(object)v);
        else if (typeof(T) == typeof(sbyte)) Write(w, (sbyte)(object)v);
        else if (typeof(T) == typeof(short)) Write(w, (short)(object)v);
        else if (typeof(T) == typeof(int)) Write(w, (int)(object)v);
        else if (typeof(T) == typeof(long)) Write(w, (long)(object)v);
        else if (typeof(T) == typeof(byte)) Write(w, (byte)(object)v);
        else if (typeof(T) == typeof(ushort)) Write(w, (ushort)(object)v);
        else if (typeof(T) == typeof(uint)) Write(w, (uint)(object)v);
        else if (typeof(T) == typeof(ulong)) Write(w, (ulong)(object)v);
        else if (typeof(T) == typeof(float)) Write(w, (float)(object)v);
        else if (typeof(T) == typeof(double)) Write(w, (double)(object)v);
        else if (typeof(T) == typeof(DateTime)) Write(w, (DateTime)(object)v);
        else throw new NotSupportedException($"UDAF state of {typeof(T)} (this is a bug)");
    }

    public static void Read(BinaryReader r, out bool v) => v = r.ReadBoolean();
    public static void Read(BinaryReader r, out sbyte v) => v = r.ReadSByte();
    public static void Read(BinaryReader r, out short v) => v = r.ReadInt16();
    public static void Read(BinaryReader r, out int v) => v = r.ReadInt32();
    public static void Read(BinaryReader r, out long v) => v = r.ReadInt64();
    public static void Read(BinaryReader r, out byte v) => v = r.ReadByte();
    public static void Read(BinaryReader r, out ushort v) => v = r.ReadUInt16();
    public static void Read(BinaryReader r, out uint v) => v = r.ReadUInt32();
    public static void Read(BinaryReader r, out ulong v) => v = r.ReadUInt64();
    public static void Read(BinaryReader r, out float v) => v = r.ReadSingle();
    public static void Read(BinaryReader r, out double v) => v = r.ReadDouble();
    public static void Read(BinaryReader r, out DateTime v) => v = DateTime.FromBinary(r.ReadInt64());

    public static void Read(BinaryReader r, out string? v) => v = r.ReadBoolean() ? r.ReadString() : null;

    public static void Read(BinaryReader r, out byte[]? v) => v = r.ReadBoolean() ? r.ReadBytes(r.ReadInt32()) : null;

    public static void Read<T>(BinaryReader r, out T? v) where T : struct
    {
        if (!r.ReadBoolean())
        {
            v = null;
            return;
        }
        object value = typeof(T) switch
        {
            var t when t == typeof(bool) => r.ReadBoolean(),
            var t when t == typeof(sbyte) => r.ReadSByte(),
            var t when t == typeof(short) => r.ReadInt16(),
            var t when t == typeof(int) => r.ReadInt32(),
            var t when t == typeof(long) => r.ReadInt64(),
            var t when t == typeof(byte) => r.ReadByte(),
            var t when t == typeof(ushort) => r.ReadUInt16(),
            var t when t == typeof(uint) => r.ReadUInt32(),
            var t when t == typeof(ulong) => r.ReadUInt64(),
            var t when t == typeof(float) => r.ReadSingle(),
            var t when t == typeof(double) => r.ReadDouble(),
            var t when t == typeof(DateTime) => DateTime.FromBinary(r.ReadInt64()),
            _ => throw new NotSupportedException($"UDAF state of {typeof(T)} (this is a bug)"),
        };
        v = (T)value;
    }
}
