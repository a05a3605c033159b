using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Compilation;

namespace Arroyo.Expressions.Kernels;

/// <summary><c>a || b</c> on text: byte concatenation straight into the output buffer; NULL if either side is NULL.</summary>
internal sealed class ConcatKernel(CompiledExpr left, CompiledExpr right) : CompiledExpr(DataType.Utf8)
{
    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var l = left.Evaluate(batch);
        var r = right.Evaluate(batch);
        if (l is not StringColumn ls || r is not StringColumn rs) return NullColumns.Of(Type, n);
        var builder = new StringColumnBuilder(Type, n);
        for (var i = 0; i < n; i++)
        {
            if (!ls.IsValid(i) || !rs.IsValid(i))
            {
                builder.AppendNull();
                continue;
            }
            var a = ls.GetBytes(i);
            var b = rs.GetBytes(i);
            var span = builder.GetWriteSpan(a.Length + b.Length);
            a.CopyTo(span);
            b.CopyTo(span[a.Length..]);
            builder.CommitWritten(a.Length + b.Length);
        }
        return builder.Build();
    }
}
