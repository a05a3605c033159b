using System.Globalization;

namespace Arroyo.State.Checkpoints;

/// <summary>
/// Every key in a state dir, in one place:
/// <code>
/// pipeline.json                                   which pipeline owns the dir (query, name, parallelism)
/// lease.json                                      which process is running it now
/// checkpoints/epoch-0000000007/node-3/subtask-1.state   one subtask's state for one operator
/// checkpoints/epoch-0000000007/node-3/subtask-1.2.state the third part of it, when it is big
/// checkpoints/epoch-0000000007/manifest.json      written last: the checkpoint is complete
/// </code>
/// </summary>
public static class StatePaths
{
    public const string Pipeline = "pipeline.json";
    public const string Lease = "lease.json";
    public const string CheckpointsPrefix = "checkpoints/";
    private const string EpochPrefix = "epoch-";

    public static string EpochDirectory(long epoch) =>
        $"{CheckpointsPrefix}{EpochPrefix}{epoch.ToString("D10", CultureInfo.InvariantCulture)}/";

    public static string Manifest(long epoch) => EpochDirectory(epoch) + "manifest.json";

    /// <summary>Part <paramref name="part"/> of a subtask's state (0: the only or first part).</summary>
    public static string SubtaskState(long epoch, int nodeId, int subtask, int part = 0) =>
        part == 0 ? $"{EpochDirectory(epoch)}node-{nodeId}/subtask-{subtask}.state"
            : $"{EpochDirectory(epoch)}node-{nodeId}/subtask-{subtask}.{part.ToString(CultureInfo.InvariantCulture)}.state";

    /// <summary>The node and subtask a state file (<see cref="SubtaskState"/>) belongs to; null for any other key.</summary>
    public static (int NodeId, int Subtask)? SubtaskOf(string key)
    {
        var node = key.IndexOf("/node-", StringComparison.Ordinal);
        var subtask = key.IndexOf("/subtask-", StringComparison.Ordinal);
        if (node < 0 || subtask < node) return null;
        var nodeText = key.AsSpan(node + "/node-".Length, subtask - node - "/node-".Length);
        var rest = key.AsSpan(subtask + "/subtask-".Length);
        var end = rest.IndexOf('.');
        if (end < 0) return null;
        return int.TryParse(nodeText, NumberStyles.None, CultureInfo.InvariantCulture, out var nodeId) &&
            int.TryParse(rest[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            ? (nodeId, index)
            : null;
    }

    /// <summary>The order a restore reads state files in: epoch, node, subtask, then part (0, 1, 2, … — not the text order of the keys).</summary>
    public static (long Epoch, int NodeId, int Subtask, int Part) ReadOrder(string key)
    {
        var (nodeId, subtask) = SubtaskOf(key) ?? (-1, -1);
        var name = key[(key.LastIndexOf('/') + 1)..];
        var dots = name.Split('.');
        var part = dots.Length == 3 && int.TryParse(dots[1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0;
        return (EpochOf(key) ?? -1, nodeId, subtask, part);
    }

    public static string NodeDirectory(long epoch, int nodeId) => $"{EpochDirectory(epoch)}node-{nodeId}/";

    /// <summary>The epoch of a key under <c>checkpoints/</c>, or null for anything else.</summary>
    public static long? EpochOf(string key)
    {
        if (!key.StartsWith(CheckpointsPrefix + EpochPrefix, StringComparison.Ordinal)) return null;
        var start = CheckpointsPrefix.Length + EpochPrefix.Length;
        var end = key.IndexOf('/', start);
        if (end < 0) return null;
        return long.TryParse(key.AsSpan(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture, out var epoch) ? epoch : null;
    }

    public static bool IsManifest(string key) => key.EndsWith("/manifest.json", StringComparison.Ordinal) && EpochOf(key) is not null;
}
