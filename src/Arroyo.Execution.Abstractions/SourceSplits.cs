using Arroyo.Core;

namespace Arroyo.Execution;

/// <summary>
/// Which split of a source (a Kafka partition, say) the batch now passing down a subtask's
/// chain came from. A source that reads several independent splits emits each batch from one
/// split through <see cref="Emit"/>; the operators chained after it in the same subtask see
/// <see cref="Current"/> while they handle that batch (the chain runs synchronously on the
/// subtask's thread), so the watermark generator can keep one watermark per split and let an
/// idle split stop holding the subtask's watermark back. Sources that do not split leave it
/// null, and so does any operator not chained to a source.
/// </summary>
public sealed class SourceSplits
{
    private readonly List<int> _expected = [];

    /// <summary>The split of the batch being handled, or null when the source does not say.</summary>
    public int? Current { get; private set; }

    /// <summary>
    /// Says <paramref name="split"/> has data still to come (a partition not read to its end):
    /// it holds the watermark back from now on, before its first batch, until it sends data or
    /// goes idle, so rows of a split read later do not arrive behind the others' watermark.
    /// </summary>
    public void Expect(int split)
    {
        lock (_expected) _expected.Add(split);
    }

    /// <summary>The splits announced by <see cref="Expect"/> since the last call.</summary>
    public IReadOnlyList<int> TakeExpected()
    {
        lock (_expected)
        {
            if (_expected.Count == 0) return [];
            var taken = _expected.ToArray();
            _expected.Clear();
            return taken;
        }
    }

    /// <summary>Emits <paramref name="batch"/>, whose rows all come from <paramref name="split"/>.</summary>
    public void Emit(IOutput output, int split, Batch batch)
    {
        Current = split;
        try
        {
            output.Emit(batch);
        }
        finally
        {
            Current = null;
        }
    }
}
