using Arroyo.Core;
using Arroyo.Dataflow.Specs;

namespace Arroyo.Operators.WindowFunction;

/// <summary>
/// The rows of one closed timestamp, sorted by (partition, ORDER BY), with where each row's
/// partition and peer group (rows with equal ORDER BY values; the whole partition without ORDER
/// BY) start and end. Ends are exclusive.
/// </summary>
internal sealed class SortedRows
{
    public SortedRows(Batch batch, ReadOnlySpan<bool> newPartition, ReadOnlySpan<bool> newPeerGroup)
    {
        Batch = batch;
        var n = batch.RowCount;
        PartitionStart = new int[n];
        PartitionEnd = new int[n];
        PeerStart = new int[n];
        PeerEnd = new int[n];
        for (var i = 0; i < n; i++)
        {
            PartitionStart[i] = newPartition[i] ? i : PartitionStart[i - 1];
            PeerStart[i] = newPartition[i] || newPeerGroup[i] ? i : PeerStart[i - 1];
        }
        for (var i = n - 1; i >= 0; i--)
        {
            PartitionEnd[i] = i == n - 1 || newPartition[i + 1] ? i + 1 : PartitionEnd[i + 1];
            PeerEnd[i] = i == n - 1 || newPartition[i + 1] || newPeerGroup[i + 1] ? i + 1 : PeerEnd[i + 1];
        }
    }

    public Batch Batch { get; }

    public int Count => Batch.RowCount;

    public int[] PartitionStart { get; }

    public int[] PartitionEnd { get; }

    public int[] PeerStart { get; }

    public int[] PeerEnd { get; }

    /// <summary>The [start, end) row ranges of the partitions, in order.</summary>
    public IEnumerable<(int Start, int End)> Partitions()
    {
        for (var i = 0; i < Count; i = PartitionEnd[i]) yield return (i, PartitionEnd[i]);
    }

    /// <summary>The rows [start, end) of <paramref name="frame"/> for row <paramref name="row"/>, clipped to its partition (empty when start ≥ end).</summary>
    public (int Start, int End) Frame(WindowFrame frame, int row)
    {
        var (ps, pe) = (PartitionStart[row], PartitionEnd[row]);
        var rows = frame.Units == WindowFrameUnits.Rows;
        long start = frame.Start.Kind switch
        {
            WindowFrameBoundKind.UnboundedPreceding => ps,
            WindowFrameBoundKind.Preceding => row - frame.Start.Offset,
            WindowFrameBoundKind.CurrentRow => rows ? row : PeerStart[row],
            WindowFrameBoundKind.Following => row + frame.Start.Offset,
            _ => pe,
        };
        long end = frame.End.Kind switch
        {
            WindowFrameBoundKind.UnboundedPreceding => ps,
            WindowFrameBoundKind.Preceding => row - frame.End.Offset + 1,
            WindowFrameBoundKind.CurrentRow => rows ? row + 1 : PeerEnd[row],
            WindowFrameBoundKind.Following => row + frame.End.Offset + 1,
            _ => pe,
        };
        var s = (int)Math.Clamp(start, ps, pe);
        var e = (int)Math.Clamp(end, ps, pe);
        return (s, Math.Max(s, e));
    }
}
