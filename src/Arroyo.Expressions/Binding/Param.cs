using Arroyo.Core.Types;

namespace Arroyo.Expressions.Binding;

/// <summary>One parameter of a function signature: a fixed type, or a family that keeps the argument's own type.</summary>
internal sealed class Param
{
    private readonly Func<DataType, DataType?> _accept;

    private Param(string display, Func<DataType, DataType?> accept)
    {
        Display = display;
        _accept = accept;
    }

    public string Display { get; }

    /// <summary>The type the argument is cast to, or null when it is not accepted.</summary>
    public DataType? Accept(DataType arg) => _accept(arg);

    public override string ToString() => Display;

    public static Param Of(DataType type) => new(type.ToString(), arg => ImplicitlyCastable(arg, type) ? type : null);

    public static readonly Param Text = Of(DataType.Utf8);
    public static readonly Param BigInt = Of(DataType.Int64);
    public static readonly Param Float64 = Of(DataType.Float64);
    public static readonly Param Boolean = Of(DataType.Boolean);
    public static readonly Param Timestamp = Of(DataType.Timestamp);
    public static readonly Param Interval = Of(DataType.Interval);
    public static readonly Param Json = Of(DataType.Json);

    /// <summary>Any type, unchanged.</summary>
    public static readonly Param Any = new("ANY", arg => arg);

    /// <summary>Any number, keeping its type (NULL becomes DOUBLE).</summary>
    public static readonly Param Numeric = new("NUMERIC", arg => arg.IsNumeric ? arg : arg.Kind == TypeKind.Null ? DataType.Float64 : null);

    /// <summary>Any integer, as BIGINT.</summary>
    public static readonly Param Integer = new("BIGINT", arg => arg.IsInteger || arg.Kind == TypeKind.Null ? DataType.Int64 : null);

    /// <summary>Any array, unchanged.</summary>
    public static readonly Param List = new("ARRAY", arg => arg.Kind == TypeKind.List ? arg : arg.Kind == TypeKind.Null ? DataType.List(DataType.Null) : null);

    /// <summary>Any struct, unchanged.</summary>
    public static readonly Param Struct = new("STRUCT", arg => arg.Kind == TypeKind.Struct ? arg : null);

    /// <summary>TEXT or JSON, keeping JSON-ness.</summary>
    public static readonly Param TextOrJson = new("TEXT", arg => arg.Kind == TypeKind.Utf8 ? arg : ImplicitlyCastable(arg, DataType.Utf8) ? DataType.Utf8 : null);

    /// <summary>
    /// The implicit conversions allowed for function arguments (DataFusion's can_coerce_from,
    /// simplified): NULL to anything, numbers to any number, TEXT/JSON to each other and text to
    /// temporal types, DATE to TIMESTAMP, anything scalar to TEXT where the function wants text.
    /// </summary>
    public static bool ImplicitlyCastable(DataType from, DataType to)
    {
        if (from == to || from.Kind == TypeKind.Null) return true;
        if (from.IsNumeric && to.IsNumeric) return true;
        if (from.Kind == TypeKind.Utf8 && to.Kind == TypeKind.Utf8) return true;
        if (from.Kind == TypeKind.Utf8 && to.Kind is TypeKind.Timestamp or TypeKind.Date or TypeKind.Time or TypeKind.Interval) return true;
        if (from.Kind == TypeKind.Date && to.Kind == TypeKind.Timestamp) return true;
        if (to.Kind == TypeKind.Utf8 && !to.IsJson && (from.IsNumeric || from.Kind is TypeKind.Boolean or TypeKind.Timestamp or TypeKind.Date)) return true;
        if (from.Kind == TypeKind.List && to.Kind == TypeKind.List) return ImplicitlyCastable(from.Element!, to.Element!);
        return false;
    }
}
