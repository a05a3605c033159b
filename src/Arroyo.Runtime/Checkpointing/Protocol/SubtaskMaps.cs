namespace Arroyo.Runtime.Checkpointing.Protocol;

/// <summary>
/// A value per subtask of the protocol state (the acknowledgements of the checkpoint in flight),
/// indexed by subtask id and immutable: <see cref="SetItem"/> returns a changed copy. A
/// pipeline has a few subtasks to a few hundred and each is set once per checkpoint, so copying
/// the array is cheap; and unlike System.Collections.Immutable, whose enumeration over our types
/// no ReadyToRun image holds, this costs a short run no JIT compilation (session 20, bench/NOTES.md).
/// </summary>
internal sealed class SubtaskMap<T> where T : class
{
    public static readonly SubtaskMap<T> Empty = new([], 0);

    private readonly T?[] _values;

    private SubtaskMap(T?[] values, int count)
    {
        _values = values;
        Count = count;
    }

    /// <summary>How many subtasks have a value.</summary>
    public int Count { get; }

    public bool ContainsKey(int subtask) => subtask < _values.Length && _values[subtask] is not null;

    /// <summary>A copy with <paramref name="value"/> for <paramref name="subtask"/>.</summary>
    public SubtaskMap<T> SetItem(int subtask, T value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(subtask);
        var values = new T?[Math.Max(_values.Length, subtask + 1)];
        Array.Copy(_values, values, _values.Length);
        var count = values[subtask] is null ? Count + 1 : Count;
        values[subtask] = value;
        return new SubtaskMap<T>(values, count);
    }

    /// <summary>The values in subtask order.</summary>
    public List<T> Values
    {
        get
        {
            var values = new List<T>(Count);
            foreach (var value in _values)
            {
                if (value is not null) values.Add(value);
            }
            return values;
        }
    }
}

/// <summary>A set of subtask ids (finished sources, exited subtasks), immutable as <see cref="SubtaskMap{T}"/> and for the same reasons.</summary>
internal sealed class SubtaskSet
{
    public static readonly SubtaskSet Empty = new([], 0);

    private readonly bool[] _members;

    private SubtaskSet(bool[] members, int count)
    {
        _members = members;
        Count = count;
    }

    public int Count { get; }

    public bool Contains(int subtask) => subtask < _members.Length && _members[subtask];

    /// <summary>A copy that holds <paramref name="subtask"/> too.</summary>
    public SubtaskSet Add(int subtask)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(subtask);
        if (Contains(subtask)) return this;
        var members = new bool[Math.Max(_members.Length, subtask + 1)];
        Array.Copy(_members, members, _members.Length);
        members[subtask] = true;
        return new SubtaskSet(members, Count + 1);
    }
}
