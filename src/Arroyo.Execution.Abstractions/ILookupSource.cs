using Arroyo.Core;

namespace Arroyo.Execution;

/// <summary>
/// The outside half of a lookup join: fetches the rows a lookup table holds for many keys at
/// once. The lookup-join operator calls it from its subtask's thread: <see cref="Open"/> once,
/// then <see cref="Lookup"/> once per input batch with every distinct key of the batch that is
/// not cached (never one call per key), then <see cref="Close"/>.
/// </summary>
public interface ILookupSource
{
    /// <summary>Connect here; unreachable servers are retried with backoff, then reported naming host and port.</summary>
    void Open(OperatorContext context) { }

    /// <summary>
    /// <paramref name="keys"/> holds one column per key column and one row per distinct key (never
    /// NULL). Returns one row per key, in the same order, with the lookup table's columns
    /// (its schema without <c>_timestamp</c>), and whether the key exists: a row of an absent key
    /// is ignored.
    /// </summary>
    LookupResult Lookup(Batch keys);

    void Close() { }
}

/// <summary>The rows of one <see cref="ILookupSource.Lookup"/> call: row i answers key i; <see cref="Found"/>[i] is false for an absent key.</summary>
public sealed record LookupResult(Batch Rows, bool[] Found);
