using Arroyo.Core.Types;

namespace Arroyo.Expressions.Binding;

/// <summary>
/// DataFusion's type-coercion tables (datafusion/expr-common type_coercion/binary.rs),
/// reduced to the types this engine stores.
/// </summary>
public static class TypeRules
{
    /// <summary>
    /// The type both operands of a numeric operator are cast to, or null. As DataFusion:
    /// floats win, then the narrowest integer holding both; UInt64 with a signed integer
    /// becomes DECIMAL(20, 0) so no value is lost.
    /// </summary>
    public static DataType? NumericCommon(DataType a, DataType b)
    {
        if (!a.IsNumeric || !b.IsNumeric) return null;
        if (a == b) return a;
        var ka = a.Kind;
        var kb = b.Kind;
        if (ka == TypeKind.Decimal || kb == TypeKind.Decimal)
        {
            if (a.IsFloat || b.IsFloat) return DataType.Float64;
            var da = AsDecimal(a);
            var db = AsDecimal(b);
            var scale = Math.Max(da.Scale, db.Scale);
            var integral = Math.Max(da.Precision - da.Scale, db.Precision - db.Scale);
            return DataType.Decimal(Math.Min(38, integral + scale), scale);
        }
        if (ka == TypeKind.Float64 || kb == TypeKind.Float64) return DataType.Float64;
        if (ka == TypeKind.Float32 || kb == TypeKind.Float32) return DataType.Float32;
        if ((ka == TypeKind.UInt64 && b.IsSignedInteger) || (kb == TypeKind.UInt64 && a.IsSignedInteger))
        {
            return DataType.Decimal(20, 0);
        }
        if (ka == TypeKind.UInt64 || kb == TypeKind.UInt64) return DataType.UInt64;
        if (ka == TypeKind.Int64 || kb == TypeKind.Int64 || Mixed(ka, kb, TypeKind.UInt32)) return DataType.Int64;
        if (ka == TypeKind.Int32 || kb == TypeKind.Int32 || Mixed(ka, kb, TypeKind.UInt16)) return DataType.Int32;
        if (ka == TypeKind.UInt32 || kb == TypeKind.UInt32) return DataType.UInt32;
        if (ka == TypeKind.Int16 || kb == TypeKind.Int16 || Mixed(ka, kb, TypeKind.UInt8)) return DataType.Int16;
        if (ka == TypeKind.UInt16 || kb == TypeKind.UInt16) return DataType.UInt16;
        if (ka == TypeKind.Int8 || kb == TypeKind.Int8) return DataType.Int8;
        return DataType.UInt8;

        // An unsigned type of this width meeting a signed one needs the next signed width.
        static bool Mixed(TypeKind x, TypeKind y, TypeKind unsigned) =>
            (x == unsigned && IsSigned(y)) || (y == unsigned && IsSigned(x));
        static bool IsSigned(TypeKind k) => k is >= TypeKind.Int8 and <= TypeKind.Int64;
    }

    /// <summary>The decimal type that holds every value of an integer or decimal type exactly.</summary>
    public static DataType AsDecimal(DataType t) => t.Kind switch
    {
        TypeKind.Decimal => t,
        TypeKind.Int8 or TypeKind.UInt8 => DataType.Decimal(3, 0),
        TypeKind.Int16 or TypeKind.UInt16 => DataType.Decimal(5, 0),
        TypeKind.Int32 or TypeKind.UInt32 => DataType.Decimal(10, 0),
        TypeKind.Int64 => DataType.Decimal(20, 0),
        TypeKind.UInt64 => DataType.Decimal(20, 0),
        _ => DataType.Decimal(38, 10),
    };

    /// <summary>Result type of decimal arithmetic, following DataFusion/Arrow's precision rules (capped at 38).</summary>
    public static DataType DecimalArithmetic(string op, DataType a, DataType b)
    {
        int p1 = a.Precision, s1 = a.Scale, p2 = b.Precision, s2 = b.Scale;
        int p, s;
        switch (op)
        {
            case "+" or "-":
                s = Math.Max(s1, s2);
                p = Math.Max(p1 - s1, p2 - s2) + s + 1;
                break;
            case "*":
                s = s1 + s2;
                p = p1 + p2 + 1;
                break;
            case "/":
                s = Math.Max(6, s1 + p2 + 1);
                p = p1 - s1 + s2 + s;
                break;
            default:
                s = Math.Max(s1, s2);
                p = Math.Min(p1 - s1, p2 - s2) + s;
                break;
        }
        // C# decimal carries 28 significant digits; keep the declared scale representable.
        s = Math.Min(s, 28);
        return DataType.Decimal(Math.Min(38, Math.Max(p, s)), s);
    }

    /// <summary>
    /// The type two values are compared as (=, &lt;, IN, CASE operand), or null when they
    /// cannot be compared. DataFusion's comparison_coercion: numbers meet numbers; text meets
    /// a timestamp/date as that temporal type; text meets a number as text; NULL meets anything.
    /// </summary>
    public static DataType? ComparisonCommon(DataType a, DataType b)
    {
        if (a == b) return a;
        if (a.Kind == TypeKind.Null) return b;
        if (b.Kind == TypeKind.Null) return a;
        if (NumericCommon(a, b) is { } n) return n;
        if (a.IsString && b.IsString) return a.IsJson && b.IsJson ? DataType.Json : DataType.Utf8;
        if (IsTemporal(a) && b.IsString) return a;
        if (IsTemporal(b) && a.IsString) return b;
        if ((a.Kind == TypeKind.Date && b.Kind == TypeKind.Timestamp) || (a.Kind == TypeKind.Timestamp && b.Kind == TypeKind.Date))
        {
            return DataType.Timestamp;
        }
        if (a.IsString && (b.IsNumeric || b.Kind == TypeKind.Boolean)) return DataType.Utf8;
        if (b.IsString && (a.IsNumeric || a.Kind == TypeKind.Boolean)) return DataType.Utf8;
        if (a.IsString && b.Kind == TypeKind.Interval) return b;
        if (b.IsString && a.Kind == TypeKind.Interval) return a;
        if (a.Kind == TypeKind.List && b.Kind == TypeKind.List && a.IsMap == b.IsMap && ComparisonCommon(a.Element!, b.Element!) is { } e)
        {
            return a.IsMap ? DataType.MapOf(e) : DataType.List(e);
        }
        return null;
    }

    /// <summary>
    /// The type of a value that may come from either side (CASE branches, COALESCE, UNION,
    /// array elements). Same as comparison coercion, but text with a number stays text.
    /// </summary>
    public static DataType? Common(DataType a, DataType b) => ComparisonCommon(a, b);

    public static bool IsTemporal(DataType t) => t.Kind is TypeKind.Timestamp or TypeKind.Date or TypeKind.Time;

    /// <summary>Whether an explicit CAST from <paramref name="from"/> to <paramref name="to"/> is supported.</summary>
    public static bool CanCast(DataType from, DataType to)
    {
        if (from == to || from.Kind == TypeKind.Null) return true;
        if (from.Kind == TypeKind.Utf8 || to.Kind == TypeKind.Utf8)
        {
            var other = from.Kind == TypeKind.Utf8 ? to : from;
            return other.Kind is not TypeKind.Struct || to.Kind == TypeKind.Utf8;
        }
        if (from.IsNumeric || from.Kind == TypeKind.Boolean)
        {
            return to.IsNumeric || to.Kind is TypeKind.Boolean or TypeKind.Timestamp ||
                   (to.Kind == TypeKind.Date && from.IsInteger);
        }
        return from.Kind switch
        {
            TypeKind.Timestamp => to.IsInteger || to.Kind is TypeKind.Date or TypeKind.Time or TypeKind.Float64,
            TypeKind.Date => to.Kind is TypeKind.Timestamp || to.IsInteger,
            TypeKind.Time => to.IsInteger,
            TypeKind.Interval => false,
            TypeKind.Binary => false,
            TypeKind.List => to.Kind == TypeKind.List && from.IsMap == to.IsMap && CanCast(from.Element!, to.Element!),
            TypeKind.Struct => to.Kind == TypeKind.Struct && to.Fields.Count == from.Fields.Count &&
                               from.Fields.Zip(to.Fields).All(p => CanCast(p.First.Type, p.Second.Type)),
            _ => false,
        };
    }
}
