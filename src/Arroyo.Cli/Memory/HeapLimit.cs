using System.Globalization;
using System.Runtime;

namespace Arroyo.Cli.Memory;

/// <summary>
/// The GC heap's hard limit for this process, decided once at startup. A limit the user set
/// (<c>DOTNET_GCHeapHardLimit</c>, <c>DOTNET_GCHeapHardLimitPercent</c>, their <c>COMPlus_</c>
/// spellings, or <c>System.GC.HeapHardLimit</c> in the runtimeconfig) is kept as it is. Otherwise,
/// under a cgroup memory limit, the heap may use the limit minus a reserve for what lives outside
/// it (the runtime, JIT code, thread stacks, native libraries such as librdkafka): a quarter of
/// the limit, and at least 128 MB but never more than half. Past that the pipeline fails with an
/// out-of-memory error the CLI reports, instead of the kernel's OOM killer ending the process
/// with nothing said. Without a limit the GC sizes itself by the machine's memory.
/// </summary>
public sealed record HeapLimit(ulong? Bytes, string Origin)
{
    private const ulong MinimumReserve = 128UL << 20;

    private static readonly string[] s_userSettings =
        ["DOTNET_GCHeapHardLimit", "DOTNET_GCHeapHardLimitPercent", "COMPlus_GCHeapHardLimit", "COMPlus_GCHeapHardLimitPercent"];

    /// <summary>What the heap may use under a container limit of <paramref name="containerBytes"/>.</summary>
    public static ulong ForContainer(ulong containerBytes)
    {
        var reserve = Math.Clamp(containerBytes / 4, Math.Min(MinimumReserve, containerBytes / 2), containerBytes / 2);
        return containerBytes - reserve;
    }

    /// <summary>
    /// The decision, from the environment, whether the runtimeconfig set a limit, and the
    /// container's limit (<see cref="ContainerMemory.ReadLimit()"/>).
    /// </summary>
    public static HeapLimit Decide(Func<string, string?> environment, bool configuredInRuntimeConfig, ulong? containerBytes)
    {
        foreach (var name in s_userSettings)
        {
            if (!string.IsNullOrWhiteSpace(environment(name))) return new HeapLimit(null, $"{name}={environment(name)!.Trim()} (set by the user, kept)");
        }
        if (configuredInRuntimeConfig) return new HeapLimit(null, "System.GC.HeapHardLimit in the runtimeconfig (kept)");
        if (containerBytes is not { } limit) return new HeapLimit(null, "no memory limit on this process's cgroup: the GC sizes the heap by the machine's memory");
        var heap = ForContainer(limit);
        return new HeapLimit(heap, $"{Megabytes(heap)} MB heap limit from the cgroup memory limit of {Megabytes(limit)} MB " +
                                   "(override with DOTNET_GCHeapHardLimit, in hex bytes)");
    }

    /// <summary>Decides for this process and applies the result; returns it (for the log).</summary>
    public static HeapLimit ApplyToThisProcess()
    {
        var configured = AppContext.GetData("GCHeapHardLimit") is not null || AppContext.GetData("GCHeapHardLimitPercent") is not null;
        var decision = Decide(Environment.GetEnvironmentVariable, configured, ContainerMemory.ReadLimit());
        if (decision.Bytes is { } bytes)
        {
            // The runtime read the cgroup itself at startup (and took 75 %); this replaces that
            // figure with ours. RefreshMemoryLimit re-reads GCHeapHardLimit from the app context.
            AppContext.SetData("GCHeapHardLimit", bytes);
            GC.RefreshMemoryLimit();
        }
        return decision;
    }

    /// <summary>The limit the GC works with now (what an out-of-memory error refers to).</summary>
    public static string DescribeCurrent()
    {
        var info = GC.GetGCMemoryInfo();
        return $"{Megabytes((ulong)info.TotalAvailableMemoryBytes)} MB";
    }

    /// <summary>The process's GC work so far: collections per generation, pause time, bytes allocated, peak heap.</summary>
    public static string DescribeGcWork()
    {
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        return string.Create(CultureInfo.InvariantCulture,
            $"{GC.CollectionCount(0)} gen0 / {GC.CollectionCount(1)} gen1 / {GC.CollectionCount(2)} gen2 collections, " +
            $"{GC.GetTotalPauseDuration().TotalSeconds:0.00} s paused ({info.PauseTimePercentage:0.#} % of the run), " +
            $"{GC.GetTotalAllocatedBytes() / 1e9:0.00} GB allocated, heap {Megabytes((ulong)info.HeapSizeBytes)} MB at the last collection, " +
            $"{(GCSettings.IsServerGC ? "server" : "workstation")} GC; " +
            // Methods compiled at run time (beyond the ahead-of-time code): what start-up work to cut shows here.
            $"{System.Runtime.JitInfo.GetCompiledMethodCount()} methods JIT-compiled in {System.Runtime.JitInfo.GetCompilationTime().TotalSeconds:0.00} s");
    }

    internal static string Megabytes(ulong bytes) => (bytes / (1024.0 * 1024.0)).ToString("0", CultureInfo.InvariantCulture);
}
