using Arroyo.Core.Types;
using Microsoft.CodeAnalysis;

namespace Arroyo.Udfs.Compilation;

/// <summary>How a value of a UDF parameter or result is held in a column.</summary>
internal enum ValueStorage
{
    /// <summary>A <c>PrimitiveColumn&lt;T&gt;</c> of the CLR type itself.</summary>
    Primitive,

    /// <summary><see cref="DateTime"/> ↔ TIMESTAMP nanoseconds in a <c>PrimitiveColumn&lt;long&gt;</c>.</summary>
    Timestamp,

    /// <summary><see cref="string"/> ↔ TEXT in a <c>StringColumn</c>.</summary>
    String,

    /// <summary><c>byte[]</c> ↔ BYTEA in a <c>StringColumn</c>.</summary>
    Binary,
}

/// <summary>A C# type a UDF may take or return, with its SQL type and whether it admits null.</summary>
/// <param name="Clr">The C# spelling without nullability, e.g. <c>ulong</c>, <c>string</c>.</param>
internal sealed record UdfValueType(string Clr, DataType Sql, ValueStorage Storage, bool Nullable)
{
    public const string Supported =
        "bool, sbyte, short, int, long, byte, ushort, uint, ulong, float, double, string, byte[], DateTime, and their nullable forms";

    /// <summary>The element type of the column array for primitive storage.</summary>
    public string ColumnElement => Storage == ValueStorage.Timestamp ? "long" : Clr;

    /// <summary>The C# type of a value as passed or returned (nullable value types keep their <c>?</c>).</summary>
    public string ValueClr => Nullable && Storage is ValueStorage.Primitive or ValueStorage.Timestamp ? Clr + "?" : Clr;

    // Every C# type a UDF may use but byte[] (BYTEA), with its SQL type; one table both ways.
    private static readonly (SpecialType Special, string Clr, DataType Sql)[] s_scalars =
    [
        (SpecialType.System_Boolean, "bool", DataType.Boolean),
        (SpecialType.System_SByte, "sbyte", DataType.Int8),
        (SpecialType.System_Int16, "short", DataType.Int16),
        (SpecialType.System_Int32, "int", DataType.Int32),
        (SpecialType.System_Int64, "long", DataType.Int64),
        (SpecialType.System_Byte, "byte", DataType.UInt8),
        (SpecialType.System_UInt16, "ushort", DataType.UInt16),
        (SpecialType.System_UInt32, "uint", DataType.UInt32),
        (SpecialType.System_UInt64, "ulong", DataType.UInt64),
        (SpecialType.System_Single, "float", DataType.Float32),
        (SpecialType.System_Double, "double", DataType.Float64),
        (SpecialType.System_String, "string", DataType.Utf8),
        (SpecialType.System_DateTime, "global::System.DateTime", DataType.Timestamp),
    ];

    /// <summary>The C# type a value of <paramref name="sql"/> is passed as (its kind only: JSON is TEXT), or null when UDFs cannot take it.</summary>
    public static string? ClrOf(DataType sql) =>
        sql.Kind == Core.Types.TypeKind.Binary ? "byte[]" : Array.Find(s_scalars, t => t.Sql.Kind == sql.Kind).Clr;

    /// <summary>The type for <paramref name="type"/>, or null when UDFs cannot use it.</summary>
    public static UdfValueType? From(ITypeSymbol type)
    {
        var nullable = false;
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } wrapped)
        {
            type = wrapped.TypeArguments[0];
            nullable = true;
        }
        else if (type.IsReferenceType && type.NullableAnnotation == NullableAnnotation.Annotated)
        {
            nullable = true;
        }
        var scalar = Array.Find(s_scalars, t => t.Special == type.SpecialType);
        if (scalar.Clr is not null)
        {
            var storage = scalar.Sql.Kind switch
            {
                Core.Types.TypeKind.Utf8 => ValueStorage.String,
                Core.Types.TypeKind.Timestamp => ValueStorage.Timestamp,
                _ => ValueStorage.Primitive,
            };
            return new UdfValueType(scalar.Clr, scalar.Sql, storage, nullable);
        }
        if (type is IArrayTypeSymbol { Rank: 1, ElementType.SpecialType: SpecialType.System_Byte })
        {
            return new UdfValueType("byte[]", DataType.Binary, ValueStorage.Binary, nullable);
        }
        return null;
    }

    /// <summary>
    /// The element type of a UDAF parameter: <c>T[]</c>, or an interface a <c>T[]</c> is
    /// (<c>IReadOnlyList&lt;T&gt;</c>, <c>IList&lt;T&gt;</c>, <c>IEnumerable&lt;T&gt;</c>, …); null otherwise.
    /// </summary>
    public static UdfValueType? ElementOf(ITypeSymbol type)
    {
        ITypeSymbol? element = type switch
        {
            IArrayTypeSymbol { Rank: 1 } array => array.ElementType,
            INamedTypeSymbol { TypeKind: Microsoft.CodeAnalysis.TypeKind.Interface, TypeArguments.Length: 1 } list
                when list.OriginalDefinition.ToDisplayString() is "System.Collections.Generic.IReadOnlyList<T>"
                    or "System.Collections.Generic.IList<T>" or "System.Collections.Generic.IEnumerable<T>"
                    or "System.Collections.Generic.ICollection<T>" or "System.Collections.Generic.IReadOnlyCollection<T>" => list.TypeArguments[0],
            _ => null,
        };
        return element is null ? null : From(element);
    }
}
