namespace Arroyo.Connectors.Builtin.Nexmark;

/// <summary>
/// One independent slice of the Nexmark event sequence, as in the reference (Beam's
/// generator): event ids from <see cref="FirstEventId"/>, at most <see cref="MaxEvents"/>
/// events, the n-th at <see cref="BaseTime"/> + n × <see cref="InterEventDelay"/> (nanoseconds).
/// <see cref="Count"/> events are already emitted. A run at parallelism P splits the stream
/// into P of these; they are the unit of checkpointing.
/// </summary>
internal sealed record NexmarkSplit(int Index, ulong FirstEventId, ulong MaxEvents, long InterEventDelay, long BaseTime)
{
    public ulong Count { get; set; }

    public bool HasNext => Count < MaxEvents;

    /// <summary>Splits the stream of <paramref name="maxEvents"/> events at <paramref name="rate"/> events/s into <paramref name="parts"/>.</summary>
    public static NexmarkSplit[] Create(double rate, ulong maxEvents, int parts, long baseTime)
    {
        // Each split produces rate / parts events per second.
        var delay = (long)(1_000_000_000.0 / rate * parts);
        var result = new NexmarkSplit[parts];
        var each = maxEvents / (ulong)parts;
        var firstId = 1UL;
        for (var i = 0; i < parts; i++)
        {
            var count = i == parts - 1 ? maxEvents - each * (ulong)(parts - 1) : each;
            result[i] = new NexmarkSplit(i, firstId, count, delay, baseTime);
            firstId += count;
        }
        return result;
    }
}
