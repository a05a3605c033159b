using Arroyo.Core.Columns;
using Arroyo.Core;
using Arroyo.Dataflow.Specs;
using Arroyo.Execution;

namespace Arroyo.Operators.Unnest;

/// <summary>Runs an <see cref="UnnestSpec"/>: one row per array element, other columns repeated (stateless).</summary>
public sealed class UnnestOperator : IOperator
{
    private readonly UnnestSpec _spec;

    public UnnestOperator(UnnestSpec spec)
    {
        _spec = spec;
    }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        var list = (ListColumn)batch.Columns[_spec.Column];
        var parents = new List<int>();
        var elements = new List<int>();
        for (var r = 0; r < batch.RowCount; r++)
        {
            if (list.IsNull(r)) continue;
            for (var j = list.Offsets[r]; j < list.Offsets[r + 1]; j++)
            {
                parents.Add(r);
                elements.Add(j);
            }
        }
        if (parents.Count == 0) return;
        var parentIndices = parents.ToArray();
        var columns = new Column[batch.Columns.Length];
        for (var c = 0; c < columns.Length; c++)
        {
            columns[c] = c == _spec.Column ? list.Values.Take(elements.ToArray()) : batch.Columns[c].Take(parentIndices);
        }
        output.Emit(new Batch(_spec.Output, columns, parentIndices.Length));
    }
}
