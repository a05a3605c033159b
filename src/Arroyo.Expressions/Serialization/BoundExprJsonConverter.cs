using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Arroyo.Core.Types;
using Arroyo.Expressions.Bound;
using static Arroyo.Expressions.Serialization.JsonElements;

namespace Arroyo.Expressions.Serialization;

/// <summary>
/// A bound expression tree in JSON: one object per node, <c>"expr"</c> naming its kind
/// (<c>column</c>, <c>literal</c>, <c>cast</c>, <c>call</c>, <c>field</c>, <c>unary</c>, <c>binary</c>,
/// <c>in</c>, <c>case</c>), then its members. Source spans are left out: they say where the SQL
/// was written, not what the expression does, so equal expressions serialise equally.
/// Literal values are written by their type (<see cref="LiteralJson"/>).
/// </summary>
public sealed class BoundExprJsonConverter : JsonConverter<BoundExpr>
{
    public override BoundExpr Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return Read(document.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, BoundExpr value, JsonSerializerOptions options) => Write(writer, value);

    private static void Write(Utf8JsonWriter writer, BoundExpr expr)
    {
        writer.WriteStartObject();
        switch (expr)
        {
            case ColumnRef c:
                writer.WriteString("expr", "column");
                writer.WriteNumber("index", c.Index);
                writer.WriteString("name", c.Name);
                WriteType(writer, "type", c.Type);
                writer.WriteBoolean("nullable", c.Nullable);
                break;
            case Literal l:
                writer.WriteString("expr", "literal");
                WriteType(writer, "type", l.Type);
                writer.WritePropertyName("value");
                LiteralJson.Write(writer, l.Value, l.Type);
                break;
            case CastExpr c:
                writer.WriteString("expr", "cast");
                Child(writer, "input", c.Input);
                WriteType(writer, "target", c.Target);
                writer.WriteBoolean("try", c.IsTry);
                break;
            case ScalarCall call:
                writer.WriteString("expr", "call");
                writer.WritePropertyName("function");
                FunctionRefJsonConverter.Write(writer, call.Function);
                Children(writer, "args", call.Args);
                WriteType(writer, "type", call.Type);
                writer.WriteBoolean("nullable", call.Nullable);
                break;
            case FieldAccess f:
                writer.WriteString("expr", "field");
                Child(writer, "struct", f.Struct);
                writer.WriteNumber("index", f.FieldIndex);
                break;
            case UnaryExpr u:
                writer.WriteString("expr", "unary");
                writer.WriteString("op", u.Op.ToString());
                Child(writer, "input", u.Input);
                WriteType(writer, "type", u.Type);
                writer.WriteBoolean("nullable", u.Nullable);
                break;
            case BinaryExpr b:
                writer.WriteString("expr", "binary");
                writer.WriteString("op", b.Op.ToString());
                Child(writer, "left", b.Left);
                Child(writer, "right", b.Right);
                WriteType(writer, "type", b.Type);
                writer.WriteBoolean("nullable", b.Nullable);
                break;
            case InListExpr i:
                writer.WriteString("expr", "in");
                Child(writer, "input", i.Input);
                Children(writer, "list", i.List);
                writer.WriteBoolean("negated", i.Negated);
                break;
            case CaseExpr c:
                writer.WriteString("expr", "case");
                if (c.Operand is not null) Child(writer, "operand", c.Operand);
                writer.WriteStartArray("branches");
                foreach (var (when, then) in c.Branches)
                {
                    writer.WriteStartArray();
                    Write(writer, when);
                    Write(writer, then);
                    writer.WriteEndArray();
                }
                writer.WriteEndArray();
                if (c.Else is not null) Child(writer, "else", c.Else);
                WriteType(writer, "type", c.Type);
                writer.WriteBoolean("nullable", c.Nullable);
                break;
            default:
                throw new NotSupportedException($"no JSON form for expression node {expr.GetType().Name}");
        }
        writer.WriteEndObject();
    }

    private static void Child(Utf8JsonWriter writer, string name, BoundExpr child)
    {
        writer.WritePropertyName(name);
        Write(writer, child);
    }

    private static void Children(Utf8JsonWriter writer, string name, IEnumerable<BoundExpr> children)
    {
        writer.WriteStartArray(name);
        foreach (var child in children) Write(writer, child);
        writer.WriteEndArray();
    }

    private static BoundExpr Read(JsonElement e)
    {
        var kind = Member(e, "expr").GetString();
        return kind switch
        {
            "column" => new ColumnRef(Member(e, "index").GetInt32(), Member(e, "name").GetString()!, Type(Member(e, "type")), Member(e, "nullable").GetBoolean()),
            "literal" => ReadLiteral(e),
            "cast" => new CastExpr(Read(Member(e, "input")), Type(Member(e, "target")), Member(e, "try").GetBoolean()),
            "call" => new ScalarCall(FunctionRefJsonConverter.Read(Member(e, "function")), ReadList(Member(e, "args")), Type(Member(e, "type")), Member(e, "nullable").GetBoolean()),
            "field" => new FieldAccess(Read(Member(e, "struct")), Member(e, "index").GetInt32()),
            "unary" => new UnaryExpr(Enum.Parse<UnaryOp>(Member(e, "op").GetString()!), Read(Member(e, "input")), Type(Member(e, "type")), Member(e, "nullable").GetBoolean()),
            "binary" => new BinaryExpr(Enum.Parse<BinaryOp>(Member(e, "op").GetString()!), Read(Member(e, "left")), Read(Member(e, "right")),
                Type(Member(e, "type")), Member(e, "nullable").GetBoolean()),
            "in" => new InListExpr(Read(Member(e, "input")), ReadList(Member(e, "list")), Member(e, "negated").GetBoolean()),
            "case" => new CaseExpr(
                Optional(e, "operand") is { } operand ? Read(operand) : null,
                Member(e, "branches").EnumerateArray().Select(b => (Read(b[0]), Read(b[1]))).ToArray(),
                Optional(e, "else") is { } otherwise ? Read(otherwise) : null,
                Type(Member(e, "type")), Member(e, "nullable").GetBoolean()),
            _ => throw new JsonException($"unknown expression kind '{kind}'"),
        };
    }

    private static BoundExpr[] ReadList(JsonElement array) => array.EnumerateArray().Select(Read).ToArray();

    private static Literal ReadLiteral(JsonElement e)
    {
        var type = Type(Member(e, "type"));
        return new Literal(LiteralJson.Read(Member(e, "value"), type), type);
    }
}

/// <summary>
/// A constant by its SQL type, in <c>Column.GetValue</c> representation: numbers as JSON
/// numbers (non-finite floats as "NaN", "Infinity", "-Infinity"), text as strings, binary as
/// base64, intervals as <c>{"months","days","nanos"}</c>, lists and structs as arrays.
/// Reading restores the CLR type the kernels expect (long for BIGINT and TIMESTAMP, int for DATE…).
/// </summary>
public static class LiteralJson
{
    public static void Write(Utf8JsonWriter writer, object? value, DataType type)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }
        switch (type.Kind)
        {
            case TypeKind.Boolean:
                writer.WriteBooleanValue((bool)value);
                break;
            case TypeKind.UInt64:
                writer.WriteNumberValue(Convert.ToUInt64(value, CultureInfo.InvariantCulture));
                break;
            case TypeKind.Int8 or TypeKind.Int16 or TypeKind.Int32 or TypeKind.Int64 or TypeKind.UInt8 or TypeKind.UInt16
                or TypeKind.UInt32 or TypeKind.Timestamp or TypeKind.Date or TypeKind.Time:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case TypeKind.Float32 or TypeKind.Float64:
                var d = Convert.ToDouble(value, CultureInfo.InvariantCulture);
                if (double.IsFinite(d)) writer.WriteNumberValue(d);
                else writer.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
                break;
            case TypeKind.Decimal:
                writer.WriteNumberValue(Convert.ToDecimal(value, CultureInfo.InvariantCulture));
                break;
            case TypeKind.Utf8:
                writer.WriteStringValue((string)value);
                break;
            case TypeKind.Binary:
                writer.WriteBase64StringValue((byte[])value);
                break;
            case TypeKind.Interval:
                var interval = (IntervalValue)value;
                writer.WriteStartObject();
                writer.WriteNumber("months", interval.Months);
                writer.WriteNumber("days", interval.Days);
                writer.WriteNumber("nanos", interval.Nanoseconds);
                writer.WriteEndObject();
                break;
            case TypeKind.List:
                writer.WriteStartArray();
                foreach (var item in (object?[])value) Write(writer, item, type.Element!);
                writer.WriteEndArray();
                break;
            case TypeKind.Struct:
                writer.WriteStartArray();
                var values = (object?[])value;
                for (var i = 0; i < values.Length; i++) Write(writer, values[i], type.Fields[i].Type);
                writer.WriteEndArray();
                break;
            default:
                throw new NotSupportedException($"no JSON form for a literal of type {type}");
        }
    }

    public static object? Read(JsonElement value, DataType type)
    {
        if (value.ValueKind == JsonValueKind.Null) return null;
        return type.Kind switch
        {
            TypeKind.Boolean => value.GetBoolean(),
            TypeKind.Int8 => (sbyte)value.GetInt64(),
            TypeKind.Int16 => (short)value.GetInt64(),
            TypeKind.Int32 or TypeKind.Date => (int)value.GetInt64(),
            TypeKind.Int64 or TypeKind.Timestamp or TypeKind.Time => value.GetInt64(),
            TypeKind.UInt8 => (byte)value.GetUInt64(),
            TypeKind.UInt16 => (ushort)value.GetUInt64(),
            TypeKind.UInt32 => (uint)value.GetUInt64(),
            TypeKind.UInt64 => value.GetUInt64(),
            TypeKind.Float32 => (float)Double(value),
            TypeKind.Float64 => Double(value),
            TypeKind.Decimal => value.GetDecimal(),
            TypeKind.Utf8 => value.GetString(),
            TypeKind.Binary => value.GetBytesFromBase64(),
            TypeKind.Interval => new IntervalValue(
                JsonElements.Member(value, "months").GetInt32(), JsonElements.Member(value, "days").GetInt32(), JsonElements.Member(value, "nanos").GetInt64()),
            TypeKind.List => value.EnumerateArray().Select(v => Read(v, type.Element!)).ToArray(),
            TypeKind.Struct => value.EnumerateArray().Select((v, i) => Read(v, type.Fields[i].Type)).ToArray(),
            _ => throw new JsonException($"no JSON form for a literal of type {type}"),
        };
    }

    private static double Double(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? double.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetDouble();
}
