using Arroyo.EndToEnd.Tests.Support;

namespace Arroyo.EndToEnd.Tests.Filesystem;

internal static class KillLoop
{
    /// <summary>
    /// Starts <c>arroyo <paramref name="args"/></c> up to <paramref name="attempts"/> times, each
    /// time SIGKILLing it after a random delay in [<paramref name="minMs"/>, <paramref name="maxMs"/>)
    /// once it runs; stops early when a run finished first. Returns how many kills landed.
    /// </summary>
    public static int Run(string[] args, Dictionary<string, string> environment, int attempts, int seed, int minMs, int maxMs)
    {
        var random = new Random(seed);
        var killed = 0;
        for (var attempt = 0; attempt < attempts; attempt++)
        {
            using var running = ArroyoProcess.Start(args, environment: environment);
            Assert.True(running.WaitForLog("running pipeline", TimeSpan.FromSeconds(60)), running.Stderr);
            Thread.Sleep(random.Next(minMs, maxMs));
            if (running.WaitForLog("pipeline finished", TimeSpan.Zero) || !running.TrySignal(9)) break;
            running.WaitForExit(TimeSpan.FromSeconds(30));
            killed++;
        }
        return killed;
    }
}
