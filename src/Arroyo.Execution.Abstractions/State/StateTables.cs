using Arroyo.Core;
using Arroyo.Core.Types;

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

    /// <summary>
    /// Whether <see cref="KeepPrevious"/> may be called for <paramref name="table"/>: this
    /// subtask wrote it at the previous checkpoint, and that checkpoint completed.
    /// </summary>
    bool CanKeepPrevious(string table) => false;

    /// <summary>
    /// Makes this checkpoint's <paramref name="table"/> the previous checkpoint's (its files
    /// are listed again, not copied) followed by what <see cref="WriteTable"/> adds now: an
    /// incremental checkpoint. A restore reads the files in the order written, so later rows
    /// override earlier ones as the operator applies them. Only when <see cref="CanKeepPrevious"/>.
    /// </summary>
    void KeepPrevious(string table) => throw new NotSupportedException("this state writer keeps no previous checkpoint");
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

    /// <summary>
    /// <see cref="ReadTable"/> (this subtask's range), each batch with whether it was written at
    /// the checkpoint where its writer's chain of the table begins: written whole then, not a
    /// delta carried on top of an earlier checkpoint's files (<see cref="IStateWriter.KeepPrevious"/>).
    /// An operator that writes its whole table with distinct keys knows such a batch holds keys
    /// no other batch before it held. False where the reader cannot tell.
    /// </summary>
    IEnumerable<(Batch Rows, bool ChainStart)> ReadTableWithChainStarts(string table) => ReadTable(table).Select(rows => (rows, false));

    /// <summary>The names of the tables of this operator in the restored checkpoint.</summary>
    IReadOnlyCollection<string> TableNames => [];

    /// <summary>
    /// At least the number of rows <see cref="ReadTable"/> yields for this subtask (without
    /// <c>allRows</c>), from what the state files record, without decoding them; 0 when
    /// unknown. Operators size their tables with it before restoring.
    /// </summary>
    long EstimateRows(string table) => 0;

    /// <summary>
    /// The part of <see cref="EstimateRows"/> in batches that start their writer's chain
    /// (<see cref="ReadTableWithChainStarts"/>: tables written whole): about the keys a restore
    /// ends with when the deltas after them mostly change keys already there. Operators size
    /// their value columns with it (the index still reserves for every row).
    /// </summary>
    long EstimateChainStartRows(string table) => EstimateRows(table);

    /// <summary>
    /// Tables of this operator in the restored checkpoint that nothing asked this reader for
    /// (a read or an estimate of them). Once the operator has opened, any left mean the node
    /// that wrote them is not this operator: see <see cref="RestoredState.ThrowIfUnread"/>.
    /// </summary>
    IReadOnlyCollection<string> UnaskedTables => [];
}

/// <summary>Checks on a restored checkpoint that no single operator can make alone.</summary>
public static class RestoredState
{
    /// <summary>
    /// Refuses a restore in which an opened operator left tables of its node unread. State is
    /// stored by node id, and node ids follow the plan: a build that plans the same query
    /// differently (a new rewrite, an operator added or merged) puts another operator at that
    /// id, which would start empty while the state written there is silently dropped. Every
    /// operator asks for each table it keeps when it opens, so a table nobody asked for is
    /// state this plan cannot place.
    /// </summary>
    public static void ThrowIfUnread(IStateReader reader, int nodeId, string operatorName)
    {
        var unread = reader.UnaskedTables;
        if (unread.Count == 0) return;
        throw new StateFormatException(
            $"checkpoint {reader.Epoch} holds state of operator {nodeId} ({string.Join(", ", unread.Order(StringComparer.Ordinal).Select(t => $"'{t}'"))}) " +
            $"that this build's operator {nodeId} ({operatorName}) does not keep: the checkpoint was written by a build that plans this query " +
            "differently, and restoring it here would silently lose that state. Restore it with the build that wrote it, start from a new state dir, or pass --force to discard the state and start fresh");
    }
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

/// <summary>
/// A state table an operator declares: its name, the version of its layout and its schema
/// (first column <see cref="StateColumns.KeyHashColumn"/>). It is stored as
/// <c>name.vN</c>, so a build that changed the layout never misreads an older checkpoint:
/// <see cref="Read"/> refuses a table of another version or schema with a message saying which.
/// </summary>
public sealed record StateTable(string Name, int Version, Schema Schema)
{
    public string StoredName => $"{Name}.v{Version}";

    /// <summary>The restored rows of this subtask's key range, checked against the declared version and schema.</summary>
    public IEnumerable<Batch> Read(IStateReader reader) => ReadWithChainStarts(reader).Select(read => read.Rows);

    /// <summary><see cref="Read"/>, each batch with whether it starts its writer's chain (<see cref="IStateReader.ReadTableWithChainStarts"/>).</summary>
    public IEnumerable<(Batch Rows, bool ChainStart)> ReadWithChainStarts(IStateReader reader)
    {
        foreach (var stored in reader.TableNames)
        {
            if (stored != StoredName && (stored == Name || stored.StartsWith(Name + ".v", StringComparison.Ordinal)))
            {
                var version = stored == Name ? "an unversioned layout" : $"layout version {stored[(Name.Length + 2)..]}";
                throw new StateFormatException($"checkpoint {reader.Epoch} holds state table '{Name}' in {version}; this build reads version {Version} only. " +
                    "Restore it with the build that wrote it, start from a new state dir, or pass --force to discard the state and start fresh");
            }
        }
        foreach (var read in reader.ReadTableWithChainStarts(StoredName))
        {
            CheckSchema(read.Rows.Schema, reader.Epoch);
            yield return read;
        }
    }

    /// <summary>An upper bound of the rows <see cref="Read"/> yields (0 when the reader cannot tell), see <see cref="IStateReader.EstimateRows"/>.</summary>
    public long EstimateRows(IStateReader reader) => reader.EstimateRows(StoredName);

    /// <summary>The rows of <see cref="EstimateRows"/> in batches that start their writer's chain (<see cref="IStateReader.EstimateChainStartRows"/>).</summary>
    public long EstimateChainStartRows(IStateReader reader) => reader.EstimateChainStartRows(StoredName);

    private void CheckSchema(Schema stored, long? epoch)
    {
        for (var i = 0; i < Math.Max(stored.Count, Schema.Count); i++)
        {
            var expected = i < Schema.Count ? Schema[i] : null;
            var found = i < stored.Count ? stored[i] : null;
            if (expected is not null && found is not null && expected.Name == found.Name && expected.Type.Equals(found.Type)) continue;
            throw new StateFormatException($"checkpoint {epoch} holds state table '{StoredName}' with a different schema: column {i} is " +
                $"{Describe(found)}, this build expects {Describe(expected)}. The query or the build changed how it keeps state; start from a new state dir, or pass --force to discard the state and start fresh");
        }
    }

    private static string Describe(Field? field) => field is null ? "missing" : $"'{field.Name}' {field.Type}";
}

/// <summary>
/// A checkpoint's state does not have the layout this build declares for it, so this build
/// cannot restore it. A user error (no restart helps); with <c>--force</c> the CLI discards the
/// state dir's checkpoints and starts the pipeline fresh instead.
/// </summary>
public sealed class StateFormatException(string message) : Arroyo.Core.Errors.UserException(message);
