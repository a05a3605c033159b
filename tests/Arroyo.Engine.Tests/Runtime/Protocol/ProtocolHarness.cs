using Arroyo.Runtime.Checkpointing.Protocol;
using Arroyo.State.Checkpoints;

namespace Arroyo.Engine.Tests.Runtime.Protocol;

/// <summary>
/// Drives <see cref="CheckpointProtocol"/> by hand: subtasks 0 and 1 are sources, 2 and 3 a
/// two-phase-commit sink (node 5); time moves only when a test says so.
/// </summary>
internal sealed class ProtocolHarness
{
    public const int SinkNode = 5;
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    public ProtocolHarness(int? stopAfterCheckpoints = null, long? restoredEpoch = null, IReadOnlyList<PendingCommit>? restoredCommits = null, bool periodic = true)
    {
        State = ProtocolState.Initial(
            [new SubtaskInfo("source", 0, true), new SubtaskInfo("source", 1, true), new SubtaskInfo("sink", 0, false), new SubtaskInfo("sink", 1, false)],
            new ProtocolSettings(periodic ? Interval : null, stopAfterCheckpoints), restoredEpoch, restoredCommits);
    }

    public static int[] Subtasks => [0, 1, 2, 3];

    public ProtocolState State { get; private set; }

    public TimeSpan Now { get; set; }

    /// <summary>Every command issued so far, in order.</summary>
    public List<ProtocolCommand> All { get; } = [];

    public IReadOnlyList<ProtocolCommand> Send(ProtocolEvent @event)
    {
        var (state, commands) = CheckpointProtocol.Step(State, @event, Now);
        State = state;
        All.AddRange(commands);
        return commands;
    }

    public static ProtocolEvent.SubtaskAcked Ack(long epoch, int subtask) => new(
        epoch, subtask,
        [new ManifestFile($"checkpoints/epoch-{epoch}/subtask-{subtask}.state", 100 + subtask, "0000000000000000")],
        subtask >= 2 ? [new PendingCommit(SinkNode, subtask - 2, [(byte)epoch, (byte)subtask])] : []);

    /// <summary>Starts and takes checkpoint <paramref name="epoch"/> through to its commit.</summary>
    public void Complete(long epoch)
    {
        Send(new ProtocolEvent.CheckpointRequested());
        foreach (var s in Subtasks) Send(Ack(epoch, s));
        Send(new ProtocolEvent.ManifestWritten(epoch));
    }

    public IEnumerable<T> Issued<T>() where T : ProtocolCommand => All.OfType<T>();
}
