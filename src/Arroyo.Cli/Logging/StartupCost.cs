using System.Globalization;
using System.Runtime;

namespace Arroyo.Cli.Logging;

/// <summary>
/// The process's CPU time and JIT work so far, logged at debug level at each step of a run
/// (configuration read, planned, server listening, pipeline running, finished): the fixed cost
/// of a run per phase, without a profiler (bench/startup.sh measures the whole).
/// </summary>
public static class StartupCost
{
    public static string At(string phase) => At(phase, Environment.CpuUsage.TotalTime, JitInfo.GetCompiledMethodCount(), JitInfo.GetCompilationTime());

    public static string At(string phase, TimeSpan cpu, long jitMethods, TimeSpan jitTime) =>
        string.Create(CultureInfo.InvariantCulture,
            $"cost: {phase} at {cpu.TotalSeconds:0.000} CPU-s, {jitMethods} methods JIT-compiled in {jitTime.TotalSeconds:0.000} s");
}
