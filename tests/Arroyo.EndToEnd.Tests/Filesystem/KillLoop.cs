using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Filesystem;

/// <summary>
/// Kills a bounded impulse pipeline with SIGKILL <see cref="Kills"/> times, each time at a random
/// point of a fresh run, with input that cannot run out before the last kill.
/// </summary>
/// <remarks>
/// The killed runs are paced by the engine's debug settings, which are not part of the query,
/// so the final run (started by the caller without them) reads the rest at the query's
/// event_rate: a source subtask emits at most <see cref="SourceBatch"/> rows per poll and
/// sleeps <see cref="PollDelayMs"/> after each, <see cref="RowsPerSecondPerSubtask"/> rows per
/// second at most however fast the machine. "running pipeline" is logged before the sources
/// open, so a run emits for at most its random delay plus the time the test takes to see that
/// line; <see cref="Run"/> refuses input that ten such runs could exhaust, allowing
/// <see cref="NoticeMs"/> to see the line.
/// </remarks>
internal static class KillLoop
{
    /// <summary>How many kills every kill test lands (issues #11 and #17 ask for 10).</summary>
    public const int Kills = 10;

    private const int SourceBatch = 100;
    private const int PollDelayMs = 50;
    private const int NoticeMs = 1000;

    public const int RowsPerSecondPerSubtask = SourceBatch * 1000 / PollDelayMs;

    /// <summary>
    /// Starts <c>arroyo <paramref name="args"/></c> <see cref="Kills"/> times, each time SIGKILLing
    /// it after a random delay in [<paramref name="minMs"/>, <paramref name="maxMs"/>) once it runs.
    /// Returns how many kills landed: <see cref="Kills"/>, or fewer when a run finished before its
    /// kill (which the sizing rules out; the caller's assertion then fails).
    /// </summary>
    /// <param name="rowsPerSubtask">The impulse's message_count (each source subtask counts to it).</param>
    public static int Run(string[] args, IReadOnlyDictionary<string, string> environment, long rowsPerSubtask, int seed, int minMs, int maxMs)
    {
        var most = (long)Kills * (maxMs + NoticeMs) * RowsPerSecondPerSubtask / 1000;
        if (most >= rowsPerSubtask)
        {
            throw new ArgumentException($"{rowsPerSubtask} rows per subtask could run out before the last kill: {Kills} paced runs emit up to {most}", nameof(rowsPerSubtask));
        }
        var paced = new Dictionary<string, string>(environment)
        {
            ["ARROYO__PIPELINE__SOURCE_BATCH_SIZE"] = SourceBatch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ARROYO__DEBUG__SOURCE_POLL_DELAY"] = $"{PollDelayMs}ms",
        };
        var random = new Random(seed);
        for (var killed = 0; killed < Kills; killed++)
        {
            using var running = ArroyoProcess.Start(args, environment: paced);
            Assert.True(running.WaitForLog("running pipeline", TimeSpan.FromSeconds(60)), running.Stderr);
            Thread.Sleep(random.Next(minMs, maxMs));
            if (running.WaitForLog("pipeline finished", TimeSpan.Zero) || !running.TrySignal(9)) return killed;
            running.WaitForExit(TimeSpan.FromSeconds(30));
        }
        return Kills;
    }
}
