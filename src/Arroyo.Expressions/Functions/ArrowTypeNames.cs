using Arroyo.Core.Errors;
using Arroyo.Core.Types;

namespace Arroyo.Expressions.Functions;

/// <summary>
/// Arrow's spelling of types, as arrow_typeof prints them and arrow_cast reads them
/// (<c>Int64</c>, <c>Timestamp(Nanosecond, None)</c>, <c>Dictionary(Int32, Utf8)</c>…), mapped
/// onto this engine's types: the Arrow variants that differ only in layout (LargeUtf8,
/// Utf8View, dictionaries, Date64, Time32) become the one type this engine stores.
/// </summary>
internal static class ArrowTypeNames
{
    public static string Name(DataType type) => type.Kind switch
    {
        TypeKind.Null => "Null",
        TypeKind.Boolean => "Boolean",
        TypeKind.Decimal => $"Decimal128({type.Precision}, {type.Scale})",
        TypeKind.Utf8 => "Utf8",
        TypeKind.Binary => "Binary",
        TypeKind.Timestamp => "Timestamp(Nanosecond, None)",
        TypeKind.Date => "Date32",
        TypeKind.Time => "Time64(Nanosecond)",
        TypeKind.Interval => "Interval(MonthDayNano)",
        TypeKind.List => $"List({FieldDebug("item", type.Element!, true)})",
        TypeKind.Struct => $"Struct([{string.Join(", ", type.Fields.Select(f => FieldDebug(f.Name, f.Type, f.Nullable)))}])",
        _ => type.Kind.ToString(),
    };

    // Arrow (as DataFusion 48 links it) prints nested types with each child field's Debug form.
    private static string FieldDebug(string name, DataType type, bool nullable) =>
        $"Field {{ name: \"{name}\", data_type: {Name(type)}, nullable: {(nullable ? "true" : "false")}, dict_id: 0, dict_is_ordered: false, metadata: {{}} }}";

    public static DataType Parse(string text, SourceSpan span)
    {
        var position = 0;
        var type = ParseType(text, ref position, span);
        SkipSpaces(text, ref position);
        if (position != text.Length) throw Error(text, $"unexpected '{text[position..]}'", span);
        return type;
    }

    private static DataType ParseType(string text, ref int position, SourceSpan span)
    {
        var name = Word(text, ref position, span);
        var args = new List<string>();
        SkipSpaces(text, ref position);
        if (position < text.Length && text[position] == '(')
        {
            // Split the parenthesised arguments at top-level commas; nested types are parsed recursively.
            var depth = 0;
            var start = ++position;
            for (; position < text.Length; position++)
            {
                var c = text[position];
                if (c == '(') depth++;
                else if (c == ')' && depth-- == 0) break;
                else if (c == ',' && depth == 0)
                {
                    args.Add(text[start..position].Trim());
                    start = position + 1;
                }
            }
            if (position >= text.Length) throw Error(text, "missing ')'", span);
            args.Add(text[start..position].Trim());
            position++;
        }
        DataType Arg(int i) => Parse(args[i], span);
        void Arity(int n)
        {
            if (args.Count != n) throw Error(text, $"{name} takes {n} parameter(s), got {args.Count}", span);
        }
        switch (name)
        {
            case "Null": Arity(0); return DataType.Null;
            case "Boolean": Arity(0); return DataType.Boolean;
            case "Int8": Arity(0); return DataType.Int8;
            case "Int16": Arity(0); return DataType.Int16;
            case "Int32": Arity(0); return DataType.Int32;
            case "Int64": Arity(0); return DataType.Int64;
            case "UInt8": Arity(0); return DataType.UInt8;
            case "UInt16": Arity(0); return DataType.UInt16;
            case "UInt32": Arity(0); return DataType.UInt32;
            case "UInt64": Arity(0); return DataType.UInt64;
            case "Float32": Arity(0); return DataType.Float32;
            case "Float64": Arity(0); return DataType.Float64;
            case "Utf8" or "LargeUtf8" or "Utf8View": Arity(0); return DataType.Utf8;
            case "Binary" or "LargeBinary" or "BinaryView": Arity(0); return DataType.Binary;
            case "Date32" or "Date64": Arity(0); return DataType.Date;
            case "Time32" or "Time64": Arity(1); return DataType.Time;
            case "Interval": Arity(1); return DataType.Interval;
            case "Timestamp":
                Arity(2);
                if (args[1] is not ("None" or "Some(\"UTC\")" or "Some(\"+00:00\")" or "Some(\"Z\")"))
                {
                    throw Error(text, $"time zone {args[1]} is not supported: timestamps here are UTC without a zone (use None or Some(\"UTC\"))", span);
                }
                return DataType.Timestamp;
            case "Decimal128" or "Decimal256":
                Arity(2);
                if (!int.TryParse(args[0], out var precision) || !int.TryParse(args[1], out var scale) || precision is < 1 or > 38 || scale < 0 || scale > precision)
                {
                    throw Error(text, "decimal precision must be 1 to 38 and scale 0 to the precision", span);
                }
                return DataType.Decimal(precision, scale);
            case "Dictionary": Arity(2); return Arg(1);
            case "List" or "LargeList": Arity(1); return DataType.List(Arg(0));
            default:
                throw Error(text, $"'{name}' is not an Arrow type this engine stores", span);
        }
    }

    private static string Word(string text, ref int position, SourceSpan span)
    {
        SkipSpaces(text, ref position);
        var start = position;
        while (position < text.Length && char.IsAsciiLetterOrDigit(text[position])) position++;
        if (start == position) throw Error(text, "expected a type name", span);
        return text[start..position];
    }

    private static void SkipSpaces(string text, ref int position)
    {
        while (position < text.Length && text[position] == ' ') position++;
    }

    private static UserException Error(string text, string problem, SourceSpan span) =>
        new($"arrow_cast: cannot read the Arrow type '{text}': {problem}", span);
}
