using Arroyo.Core.Columns;

namespace Arroyo.Expressions.Aggregates;

/// <summary>
/// The state of one aggregate for many groups at once, indexed by group id (dense ints the
/// operator hands out and reuses). Values live in arrays per accumulator, not objects per
/// group, so the hot loop of <see cref="Update"/> is a typed loop over the batch.
/// Call order: <see cref="EnsureCapacity"/> before using a new group id; <see cref="Clear"/>
/// before reusing a freed id.
/// </summary>
public abstract class GroupAccumulator
{
    /// <summary>
    /// Adds (or, where <paramref name="retract"/>[row] is true, removes) every row whose
    /// <paramref name="groups"/>[row] is ≥ 0 into that group. <paramref name="args"/> are the
    /// aggregate's argument columns; <paramref name="retract"/> is empty for append-only input.
    /// </summary>
    public abstract void Update(Column[] args, ReadOnlySpan<int> groups, ReadOnlySpan<bool> retract);

    /// <summary>Appends the current result of <paramref name="group"/> to <paramref name="output"/> (of the result type).</summary>
    public abstract void Evaluate(int group, ColumnBuilder output);

    /// <summary>Makes groups [0, count) addressable.</summary>
    public abstract void EnsureCapacity(int count);

    /// <summary>Resets <paramref name="group"/> to the empty state.</summary>
    public abstract void Clear(int group);

    /// <summary>Writes <paramref name="group"/>'s state for a checkpoint.</summary>
    public abstract void Write(int group, BinaryWriter writer);

    /// <summary>Replaces <paramref name="group"/>'s state by one written with <see cref="Write"/>.</summary>
    public abstract void Read(int group, BinaryReader reader);

    /// <summary>
    /// The fixed-width columns a checkpoint holds this accumulator's state in, one value per
    /// group (<see cref="SaveState"/>, <see cref="LoadState"/>); null when it is written per
    /// group as one blob (<see cref="Write"/>, <see cref="Read"/>).
    /// </summary>
    public virtual Arroyo.Core.Types.DataType[]? StateColumnTypes => null;

    /// <summary>Appends <paramref name="group"/>'s state to columns[offset…] (of <see cref="StateColumnTypes"/>).</summary>
    public virtual void SaveState(int group, ColumnBuilder[] columns, int offset) =>
        throw new NotSupportedException($"{GetType().Name} has no columnar state");

    /// <summary>Replaces <paramref name="group"/>'s state by row <paramref name="row"/> of columns[offset…] written by <see cref="SaveState"/>.</summary>
    public virtual void LoadState(int group, Column[] columns, int offset, int row) =>
        throw new NotSupportedException($"{GetType().Name} has no columnar state");

    /// <summary>
    /// <see cref="LoadState"/> for a run of rows: group <c>groups[i]</c> gets row
    /// <c>firstRow + i</c>, in order (a later row of the same group wins). A restore loads a
    /// batch at a time; accumulators override it with a loop over their arrays.
    /// </summary>
    public virtual void LoadStates(ReadOnlySpan<int> groups, Column[] columns, int offset, int firstRow)
    {
        for (var i = 0; i < groups.Length; i++) LoadState(groups[i], columns, offset, firstRow + i);
    }

    /// <summary>
    /// The next size of a per-group array: doubling while small; by a quarter beyond a million
    /// groups, where doubling would leave up to half of a big table's memory unused.
    /// </summary>
    protected static int Grow(int current, int needed) =>
        Math.Max(needed, Math.Max(16, current < (1 << 20) ? current * 2 : current + current / 4));
}
