using Arroyo.Core;
using Arroyo.Core.Columns;

namespace Arroyo.Operators.UpdatingJoin;

/// <summary>
/// One join side's stored rows, by reference into the input batches they arrived in (the
/// batches are immutable, so nothing is copied when a row is stored). Each stored row is a
/// <em>handle</em>: a slot (the batch) and a row index, chained per key group in arrival order
/// through int arrays, so there is no list object per key nor per row. Batches whose rows all
/// left the state are released; <see cref="Compact"/> rewrites partly dead batches to their
/// live rows.
/// </summary>
internal sealed class StoredRows
{
    // Handles: slot, row, next handle of the same group (−1 = end). A free handle has slot −1
    // and its next is the next free handle.
    private int[] _slot = new int[64];
    private int[] _row = new int[64];
    private int[] _next = new int[64];
    private int _handleHighWater;
    private int _freeHandle = -1;

    // Groups (ids from the side's GroupTable): first and last handle of the chain.
    private int[] _head = new int[16];
    private int[] _tail = new int[16];

    // Slots: the batch, its arrival sequence number and how many of its rows are stored.
    private Batch?[] _batches = new Batch?[16];
    private long[] _sequence = new long[16];
    private int[] _live = new int[16];
    private ulong[] _zero = new ulong[16];
    private int _slotHighWater;
    private readonly Stack<int> _freeSlots = new();
    private long _nextSequence;
    private int _pinned = -1; // the batch being stored: kept even while none of its rows is stored

    /// <summary>Stored rows.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// Whether a stored row was removed since <see cref="MarkWritten"/>: the rows written at the
    /// last checkpoint are then no longer all stored, so the next one cannot just add to them.
    /// </summary>
    public bool RemovedSinceWritten { get; private set; }

    // Slots whose arrival sequence number is below this were written at the last checkpoint.
    private long _writtenBelow;

    /// <summary>
    /// Records that every live slot was just written to a checkpoint (each one compacted to its
    /// stored rows); <see cref="SlotsSinceWritten"/> then lists only batches that arrive later.
    /// </summary>
    public void MarkWritten()
    {
        _writtenBelow = _nextSequence;
        RemovedSinceWritten = false;
    }

    /// <summary>Live slots that arrived since <see cref="MarkWritten"/>, in arrival order.</summary>
    public List<int> SlotsSinceWritten()
    {
        var slots = SlotsInOrder();
        slots.RemoveAll(s => _sequence[s] < _writtenBelow);
        return slots;
    }

    public Batch BatchOf(int handle) => _batches[_slot[handle]]!;

    public int SlotOf(int handle) => _slot[handle];

    public int RowOf(int handle) => _row[handle];

    public Batch SlotBatch(int slot) => _batches[slot]!;

    /// <summary>The slot's <see cref="ZeroColumns"/> mask.</summary>
    public ulong ZeroMask(int slot) => _zero[slot];

    /// <summary>The first handle of <paramref name="group"/>'s chain, or −1.</summary>
    public int First(int group) => group < _head.Length ? _head[group] : -1;

    public int Next(int handle) => _next[handle];

    /// <summary>
    /// Takes a slot for <paramref name="batch"/>, pinned (kept even with no stored row) until
    /// <see cref="ReleaseIfEmpty"/>, which must be called when the batch's rows are all stored.
    /// </summary>
    public int AddBatch(Batch batch, ulong zeroColumns)
    {
        int slot;
        if (_freeSlots.Count > 0)
        {
            slot = _freeSlots.Pop();
        }
        else
        {
            slot = _slotHighWater++;
            if (slot >= _batches.Length)
            {
                var size = _batches.Length * 2;
                Array.Resize(ref _batches, size);
                Array.Resize(ref _sequence, size);
                Array.Resize(ref _live, size);
                Array.Resize(ref _zero, size);
            }
        }
        _batches[slot] = batch;
        _zero[slot] = zeroColumns;
        _sequence[slot] = _nextSequence++;
        _live[slot] = 0;
        _pinned = slot;
        return slot;
    }

    public void ReleaseIfEmpty(int slot)
    {
        if (_pinned == slot) _pinned = -1;
        if (_live[slot] > 0 || _batches[slot] is null) return;
        _batches[slot] = null;
        _freeSlots.Push(slot);
    }

    /// <summary>Call when the group table hands out a new group id.</summary>
    public void NewGroup(int group)
    {
        if (group >= _head.Length)
        {
            var size = Math.Max(group + 1, _head.Length * 2);
            Array.Resize(ref _head, size);
            Array.Resize(ref _tail, size);
        }
        _head[group] = -1;
        _tail[group] = -1;
    }

    /// <summary>Appends row <paramref name="row"/> of <paramref name="slot"/> to the end of <paramref name="group"/>'s chain.</summary>
    public int Append(int group, int slot, int row)
    {
        int h;
        if (_freeHandle >= 0)
        {
            h = _freeHandle;
            _freeHandle = _next[h];
        }
        else
        {
            h = _handleHighWater++;
            if (h >= _slot.Length)
            {
                var size = _slot.Length * 2;
                Array.Resize(ref _slot, size);
                Array.Resize(ref _row, size);
                Array.Resize(ref _next, size);
            }
        }
        _slot[h] = slot;
        _row[h] = row;
        _next[h] = -1;
        if (_tail[group] < 0) _head[group] = h;
        else _next[_tail[group]] = h;
        _tail[group] = h;
        _live[slot]++;
        Count++;
        return h;
    }

    /// <summary>
    /// Unlinks <paramref name="handle"/> from <paramref name="group"/>'s chain (<paramref name="previous"/>
    /// is the handle before it, or −1). Returns whether the group is now empty.
    /// </summary>
    public bool Remove(int group, int handle, int previous)
    {
        var next = _next[handle];
        if (previous < 0) _head[group] = next;
        else _next[previous] = next;
        if (_tail[group] == handle) _tail[group] = previous;
        var slot = _slot[handle];
        _slot[handle] = -1;
        _next[handle] = _freeHandle;
        _freeHandle = handle;
        Count--;
        RemovedSinceWritten = true;
        if (--_live[slot] == 0 && slot != _pinned)
        {
            _batches[slot] = null;
            _freeSlots.Push(slot);
        }
        return _head[group] < 0;
    }

    /// <summary>Live slots in arrival order.</summary>
    public List<int> SlotsInOrder()
    {
        var slots = new List<int>();
        for (var s = 0; s < _slotHighWater; s++)
        {
            if (_batches[s] is not null) slots.Add(s);
        }
        slots.Sort((a, b) => _sequence[a].CompareTo(_sequence[b]));
        return slots;
    }

    /// <summary>
    /// Replaces every batch some of whose rows are no longer stored by a batch of just its
    /// stored rows (in row order, so arrival order is kept) and renumbers the handles. After
    /// this every live slot's batch is exactly its stored rows.
    /// </summary>
    public void Compact()
    {
        bool[]? partial = null;
        for (var s = 0; s < _slotHighWater; s++)
        {
            if (_batches[s] is { } b && _live[s] < b.RowCount) (partial ??= new bool[_slotHighWater])[s] = true;
        }
        if (partial is null) return;
        // Mark stored rows per partial slot, then rank them.
        var stored = new Dictionary<int, int[]>();
        for (var h = 0; h < _handleHighWater; h++)
        {
            var s = _slot[h];
            if (s < 0 || !partial[s]) continue;
            if (!stored.TryGetValue(s, out var marks)) stored[s] = marks = new int[_batches[s]!.RowCount];
            marks[_row[h]] = 1;
        }
        foreach (var (s, marks) in stored)
        {
            var rows = new int[_live[s]];
            var n = 0;
            for (var r = 0; r < marks.Length; r++)
            {
                if (marks[r] == 0)
                {
                    marks[r] = -1;
                    continue;
                }
                marks[r] = n;
                rows[n++] = r;
            }
            var batch = _batches[s]!;
            var columns = new Column[batch.Columns.Length];
            for (var c = 0; c < columns.Length; c++)
            {
                columns[c] = ZeroColumns.Has(_zero[s], c) && ZeroColumns.Make(batch.Columns[c].Type, rows.Length) is { } zero
                    ? zero
                    : batch.Columns[c].Take(rows);
            }
            _batches[s] = new Batch(batch.Schema, columns, rows.Length);
            // Fewer rows may have more zero columns (e.g. _is_retract once the retractions are gone).
            _zero[s] = ZeroColumns.Of(_batches[s]!);
        }
        for (var h = 0; h < _handleHighWater; h++)
        {
            var s = _slot[h];
            if (s >= 0 && partial[s]) _row[h] = stored[s][_row[h]];
        }
    }
}
