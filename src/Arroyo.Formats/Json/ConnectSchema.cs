using Arroyo.Core.Types;

namespace Arroyo.Formats.Json;

/// <summary>A Kafka Connect JSON schema for json.include_schema.</summary>
internal static class ConnectSchema
{
    public static void Write(ByteBuffer output, IReadOnlyList<Field> fields, string? name = "ArroyoJson")
    {
        output.Write("{\"type\":\"struct\",\"fields\":["u8);
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0) output.Write((byte)',');
            WriteField(output, fields[i]);
        }
        output.Write("],\"optional\":false"u8);
        if (name is not null)
        {
            output.Write(",\"name\":"u8);
            JsonText.WriteString(output, name);
        }
        output.Write((byte)'}');
    }

    private static void WriteField(ByteBuffer output, Field field)
    {
        output.Write((byte)'{');
        WriteType(output, field.Type);
        output.Write(",\"field\":"u8);
        JsonText.WriteString(output, field.Name);
        output.Write(field.Nullable ? ",\"optional\":true}"u8 : ",\"optional\":false}"u8);
    }

    private static void WriteType(ByteBuffer output, DataType type)
    {
        switch (type.Kind)
        {
            case TypeKind.Struct:
                output.Write("\"type\":\"struct\",\"fields\":["u8);
                for (var i = 0; i < type.Fields.Count; i++)
                {
                    if (i > 0) output.Write((byte)',');
                    WriteField(output, type.Fields[i]);
                }
                output.Write((byte)']');
                return;
            case TypeKind.List:
                output.Write("\"type\":\"array\",\"items\":{"u8);
                WriteType(output, type.Element!);
                output.Write((byte)'}');
                return;
            case TypeKind.Timestamp:
                output.Write("\"type\":\"string\",\"name\":\"org.apache.kafka.connect.data.Timestamp\""u8);
                return;
        }
        output.Write("\"type\":"u8);
        JsonText.WriteString(output, type.Kind switch
        {
            TypeKind.Boolean => "boolean",
            TypeKind.Int8 or TypeKind.UInt8 => "int8",
            TypeKind.Int16 or TypeKind.UInt16 => "int16",
            TypeKind.Int32 or TypeKind.UInt32 or TypeKind.Date => "int32",
            TypeKind.Int64 or TypeKind.UInt64 or TypeKind.Time => "int64",
            TypeKind.Float32 => "float",
            TypeKind.Float64 => "double",
            TypeKind.Binary => "bytes",
            _ => "string",
        });
    }
}
