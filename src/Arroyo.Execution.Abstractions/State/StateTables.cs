using Arroyo.Core;

namespace Arroyo.Execution;

/// <summary>
/// Where an operator subtask writes its state during a checkpoint. Each table is a set of
/// batches whose first column is <see cref="KeyHashColumn"/> (UInt64, the
/// <see cref="Arroyo.Core.Partitioning.KeyHasher"/> hash of the row's key); on restore, rows
/// are handed to the subtask whose key range owns that hash, whatever the new parallelism.
/// Call order: any number of <see cref="WriteTable"/> calls inside one OnCheckpoint; the
/// writer is invalid after OnCheckpoint returns.
/// </summary>
public interface IStateWriter
{
    void WriteTable(string table, Batch rows);
}

/// <summary>The restored state of one operator subtask (empty on a fresh start).</summary>
public interface IStateReader
{
    /// <summary>The epoch restored from, or null on a fresh start.</summary>
    long? Epoch { get; }

    /// <summary>
    /// Rows of <paramref name="table"/> written by any subtask of the previous run whose key
    /// hash falls in this subtask's range. With <paramref name="allRows"/>, every row regardless
    /// of key (for small tables every subtask needs, e.g. a sink's pending commits).
    /// </summary>
    IEnumerable<Batch> ReadTable(string table, bool allRows = false);
}

public static class StateColumns
{
    public const string KeyHashColumn = "_key_hash";
}

/// <summary>A reader with nothing in it: the fresh start.</summary>
public sealed class EmptyStateReader : IStateReader
{
    public static readonly EmptyStateReader Instance = new();

    public long? Epoch => null;

    public IEnumerable<Batch> ReadTable(string table, bool allRows = false) => [];
}
