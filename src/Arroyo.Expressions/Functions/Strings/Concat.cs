using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Kernels;

namespace Arroyo.Expressions.Functions.Strings;

/// <summary>
/// <c>concat(a, b, ...)</c> and <c>concat_ws(sep, a, b, ...)</c> as DataFusion: NULL arguments are
/// skipped (concat of only NULLs is ''), concat_ws is NULL only when its separator is. Bytes are
/// copied straight from the argument columns into the result, without a string per value.
/// </summary>
internal static class Concat
{
    public static readonly ScalarKernelFactory Factory = (_, ret) => Fn.Kernel((args, n) => Run(args, n, ret, separated: false));

    public static readonly ScalarKernelFactory WithSeparatorFactory = (_, ret) => Fn.Kernel((args, n) => Run(args, n, ret, separated: true));

    private static Column Run(Column[] args, int n, DataType type, bool separated)
    {
        var texts = new StringColumn?[args.Length];
        for (var a = 0; a < args.Length; a++)
        {
            texts[a] = args[a] switch
            {
                StringColumn s => s,
                NullColumn => null,
                _ => throw new InvalidOperationException($"concat argument {a + 1} is a {args[a].GetType().Name}, not text"),
            };
        }
        var builder = new StringColumnBuilder(type, n);
        var first = separated ? 1 : 0;
        for (var row = 0; row < n; row++)
        {
            var separator = ReadOnlySpan<byte>.Empty;
            if (separated)
            {
                if (texts[0] is not { } s || !s.IsValid(row))
                {
                    builder.AppendNull();
                    continue;
                }
                separator = s.GetBytes(row);
            }
            var length = 0;
            var parts = 0;
            for (var a = first; a < texts.Length; a++)
            {
                if (texts[a] is { } t && t.IsValid(row))
                {
                    length += t.GetBytes(row).Length;
                    parts++;
                }
            }
            if (parts > 1) length += separator.Length * (parts - 1);
            var span = builder.GetWriteSpan(length);
            var written = 0;
            var copied = 0;
            for (var a = first; a < texts.Length; a++)
            {
                if (texts[a] is not { } t || !t.IsValid(row)) continue;
                if (copied++ > 0)
                {
                    separator.CopyTo(span[written..]);
                    written += separator.Length;
                }
                var bytes = t.GetBytes(row);
                bytes.CopyTo(span[written..]);
                written += bytes.Length;
            }
            builder.CommitWritten(written);
        }
        return builder.Build();
    }
}
