using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Casts;

namespace Arroyo.Expressions.Functions;

/// <summary>
/// DataFusion's core functions about types and the engine (arrow_typeof, arrow_cast, version),
/// the union accessors (refused: no UNION type here) and the reference's multi_hash.
/// </summary>
internal static class CoreFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.AddCustom("arrow_typeof", "arrow_typeof(ANY)", (args, span) =>
        {
            if (args.Count != 1) throw new UserException($"function 'arrow_typeof' takes 1 argument, got {args.Count}", span);
            return (args.ToArray(), DataType.Utf8);
        }, (bound, ret) =>
        {
            var name = ArrowTypeNames.Name(bound[0].Type);
            return Fn.Kernel((_, n) => Column.Constant(ret, name, n));
        });
        r.AddCustom("arrow_cast", "arrow_cast(ANY, TEXT)", (args, span) =>
        {
            if (args.Count != 2 || args[1] is not Literal { Value: string typeName })
            {
                throw new UserException("arrow_cast expects a value and a constant Arrow type name, e.g. arrow_cast(x, 'Int32')", span);
            }
            var target = ArrowTypeNames.Parse(typeName, args[1].Span.IsKnown ? args[1].Span : span);
            return ([Coercion.BindCast(args[0], target, false, span)], target);
        }, (_, _) => Fn.Kernel((args, _) => args[0]));
        r.Add("version", [], DataType.Utf8, (_, ret) =>
        {
            var text = $"Arroyo (C#) {typeof(CoreFunctions).Assembly.GetName().Version}, DataFusion 48 SQL dialect, {Architecture()} on {Os()}";
            return Fn.Kernel((_, n) => Column.Constant(ret, text, n));
        });
        foreach (var name in new[] { "union_extract", "union_tag" })
        {
            r.AddCustom(name, $"{name}(UNION{(name == "union_extract" ? ", TEXT" : "")})", (args, span) =>
                throw new UserException($"{name} needs a UNION value, and this engine has no UNION type (no source or function produces one); got ({string.Join(", ", args.Select(a => a.Type))})", span),
                (_, _) => throw new UserException($"{name} is not supported: this engine has no UNION type"));
        }
        r.AddCustom("metadata", "metadata(TEXT)", (_, span) =>
            throw new UserException("metadata('key') reads a connector's metadata, and may only be the whole definition of a source column: name TYPE GENERATED ALWAYS AS (metadata('key')) STORED", span),
            (_, _) => throw new UserException("metadata('key') may only define a source column"));
        r.AddCustom("multi_hash", "multi_hash(ANY, ...)", (args, span) =>
        {
            if (args.Count == 0) throw new UserException("multi_hash must have at least one argument", span);
            return (args.ToArray(), DataType.Binary);
        }, (bound, ret) =>
        {
            var types = bound.Select(b => b.Type).ToArray();
            return Fn.Rows(a => MultiHash(a, types), nullsIn: true)(bound, ret);
        });
    }

    private static string Architecture() => RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "x86_64",
        System.Runtime.InteropServices.Architecture.Arm64 => "aarch64",
        var other => other.ToString().ToLowerInvariant(),
    };

    private static string Os() => OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "macos" : OperatingSystem.IsWindows() ? "windows" : "unknown";

    /// <summary>
    /// A 128-bit xxh3 hash of the arguments' values (each tagged NULL / not NULL and length-prefixed,
    /// so ("ab", "c") and ("a", "bc") differ), as 16 big-endian bytes like the reference's. The
    /// reference hashes Arrow's row encoding, so the bytes are not the same as its; only equality of
    /// hashes carries meaning.
    /// </summary>
    private static byte[] MultiHash(object?[] values, DataType[] types)
    {
        var buffer = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is null)
            {
                buffer.WriteByte(0);
                continue;
            }
            var bytes = values[i] is byte[] b ? b : Encoding.UTF8.GetBytes(TextFormat.FormatNested(values[i], types[i]));
            buffer.WriteByte(1);
            BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            buffer.Write(length);
            buffer.Write(bytes);
        }
        var hash = XxHash128.HashToUInt128(buffer.ToArray());
        var result = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(result, hash);
        return result;
    }
}
