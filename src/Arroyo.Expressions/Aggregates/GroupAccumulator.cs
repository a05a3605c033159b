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

    protected static int Grow(int current, int needed) => Math.Max(needed, Math.Max(16, current * 2));
}
