using System.Text.Json;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Compilation;
using Arroyo.Expressions.Functions.Json;

namespace Arroyo.Expressions.Kernels;

/// <summary>
/// <c>json -&gt; key</c> (JSON text of the member; the JSON text <c>null</c> when it is missing,
/// as the reference prints) and <c>json -&gt;&gt; key</c> (TEXT: strings unquoted, NULL when missing).
/// </summary>
internal sealed class JsonArrowKernel(CompiledExpr input, CompiledExpr key, bool asText) : CompiledExpr(asText ? DataType.Utf8 : DataType.Json)
{
    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        var builder = new StringColumnBuilder(Type, n);
        if (input.Evaluate(batch) is not StringColumn json) return NullColumns.Of(Type, n);
        var keys = key.Evaluate(batch);
        for (var i = 0; i < n; i++)
        {
            var k = keys.GetValue(i);
            if (!json.IsValid(i) || k is null)
            {
                builder.AppendNull();
                continue;
            }
            using var doc = JsonValues.TryParse(json.GetBytes(i));
            if (doc is null)
            {
                builder.AppendNull();
                continue;
            }
            var found = JsonValues.Get(doc.RootElement, k);
            if (asText)
            {
                var text = found is { } f ? JsonValues.AsText(f) : null;
                if (text is null) builder.AppendNull();
                else builder.Append(text);
            }
            else
            {
                builder.Append(found is { } f ? f.GetRawText() : "null");
            }
        }
        return builder.Build();
    }
}
