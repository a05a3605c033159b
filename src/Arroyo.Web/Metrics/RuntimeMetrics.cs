using System.Collections.Concurrent;
using System.Runtime;
using System.Runtime.ExceptionServices;

namespace Arroyo.Web.Metrics;

/// <summary>
/// The .NET runtime's own metrics (GC, heap, CPU time, thread pool, JIT, locks, exceptions),
/// under the names OpenTelemetry's Prometheus exporter gives the runtime's <c>System.Runtime</c>
/// meter (<c>dotnet.gc.collections</c> → <c>dotnet_gc_collections_total</c>).
/// The values are read straight from the runtime's APIs at scrape time (the same ones that meter
/// reads) rather than through a <c>MeterListener</c>: nothing listens between scrapes, and a
/// scrape allocates only its text.
/// </summary>
internal sealed class RuntimeMetrics : IDisposable
{
    private static readonly string[] s_generations = ["gen0", "gen1", "gen2", "loh", "poh"];

    // Thrown exceptions by type, counted as they happen (the runtime keeps no such count).
    private readonly ConcurrentDictionary<string, long> _exceptions = new(StringComparer.Ordinal);
    private long _outOfMemory;
    [ThreadStatic] private static bool t_counting;

    public RuntimeMetrics() => AppDomain.CurrentDomain.FirstChanceException += CountException;

    public void Write(PrometheusWriter writer)
    {
        // Collections that reached each generation as their oldest, as the runtime's meter counts them.
        const string collections = "dotnet_gc_collections_total";
        writer.Family(collections, "counter", "Garbage collections since the process started, by the oldest generation they collected.");
        for (var generation = GC.MaxGeneration; generation >= 0; generation--)
        {
            var older = generation == GC.MaxGeneration ? 0 : GC.CollectionCount(generation + 1);
            writer.Sample(collections, Generation(generation), GC.CollectionCount(generation) - older);
        }

        Counter(writer, "dotnet_gc_heap_total_allocated_bytes_total", "Bytes allocated on the managed heap since the process started (approximate).", GC.GetTotalAllocatedBytes());
        var info = GC.GetGCMemoryInfo();
        var generations = info.GenerationInfo;
        const string fragmentation = "dotnet_gc_last_collection_heap_fragmentation_size_bytes";
        writer.Family(fragmentation, "gauge", "Free space inside each generation after the last garbage collection.");
        for (var i = 0; i < generations.Length && i < s_generations.Length; i++) writer.Sample(fragmentation, Generation(i), generations[i].FragmentationAfterBytes);
        const string heapSize = "dotnet_gc_last_collection_heap_size_bytes";
        writer.Family(heapSize, "gauge", "Size of each generation (fragmentation included) after the last garbage collection.");
        for (var i = 0; i < generations.Length && i < s_generations.Length; i++) writer.Sample(heapSize, Generation(i), generations[i].SizeAfterBytes);
        Gauge(writer, "dotnet_gc_last_collection_memory_committed_size_bytes", "Memory the GC had committed at the last garbage collection.", info.TotalCommittedBytes);
        Counter(writer, "dotnet_gc_pause_time_seconds_total", "Time the process spent paused for garbage collection since it started.", GC.GetTotalPauseDuration().TotalSeconds);

        Counter(writer, "dotnet_jit_compilation_time_seconds_total", "Time spent in the JIT compiler since the process started.", JitInfo.GetCompilationTime().TotalSeconds);
        Counter(writer, "dotnet_jit_compiled_il_size_bytes_total", "Bytes of IL the JIT compiled since the process started.", JitInfo.GetCompiledILBytes());
        Counter(writer, "dotnet_jit_compiled_methods_total", "Methods the JIT compiled or recompiled since the process started.", JitInfo.GetCompiledMethodCount());

        Counter(writer, "dotnet_monitor_lock_contentions_total", "Times a thread had to wait for a lock held by another since the process started.", Monitor.LockContentionCount);
        Gauge(writer, "dotnet_thread_pool_thread_count", "Thread-pool threads alive now.", ThreadPool.ThreadCount);
        Counter(writer, "dotnet_thread_pool_work_item_count_total", "Work items the thread pool finished since the process started.", ThreadPool.CompletedWorkItemCount);
        Gauge(writer, "dotnet_thread_pool_queue_length", "Work items waiting in the thread pool's queues now.", ThreadPool.PendingWorkItemCount);
        Gauge(writer, "dotnet_timer_count", "Timers scheduled now.", Timer.ActiveCount);
        Gauge(writer, "dotnet_assembly_count", "Assemblies loaded in the process.", AppDomain.CurrentDomain.GetAssemblies().Length);

        const string exceptions = "dotnet_exceptions_total";
        writer.Family(exceptions, "counter", "Exceptions thrown in managed code, by type.");
        var counted = new Dictionary<string, long>(_exceptions, StringComparer.Ordinal);
        if (Interlocked.Read(ref _outOfMemory) is > 0 and var outOfMemory) counted[nameof(OutOfMemoryException)] = outOfMemory;
        foreach (var (type, count) in counted.OrderBy(e => e.Key, StringComparer.Ordinal)) writer.Sample(exceptions, [new("error_type", type)], count);

        Gauge(writer, "dotnet_process_cpu_count", "Processors the process may use.", Environment.ProcessorCount);
        var cpu = Environment.CpuUsage;
        const string cpuTime = "dotnet_process_cpu_time_seconds_total";
        writer.Family(cpuTime, "counter", "CPU time the process used, in user and kernel mode.");
        writer.Sample(cpuTime, [new("cpu_mode", "user")], cpu.UserTime.TotalSeconds);
        writer.Sample(cpuTime, [new("cpu_mode", "system")], cpu.PrivilegedTime.TotalSeconds);
        Gauge(writer, "dotnet_process_memory_working_set_bytes", "Physical memory mapped into the process (working set).", Environment.WorkingSet);
    }

    public void Dispose() => AppDomain.CurrentDomain.FirstChanceException -= CountException;

    // Runs inside every throw, before any catch. It must not allocate or throw while the heap is
    // exhausted: an OutOfMemoryException raised here is dispatched through this handler again, and
    // the runtime then dies with "Internal CLR error" instead of the pipeline's clear error (seen
    // in MemoryLimitTests). So out-of-memory is counted without the dictionary, and an exception
    // thrown while counting one is not counted.
    private void CountException(object? sender, FirstChanceExceptionEventArgs e)
    {
        if (e.Exception is OutOfMemoryException)
        {
            Interlocked.Increment(ref _outOfMemory);
            return;
        }
        if (t_counting) return;
        t_counting = true;
        try
        {
            _exceptions.AddOrUpdate(e.Exception.GetType().Name, 1, static (_, count) => count + 1);
        }
        catch (OutOfMemoryException)
        {
            Interlocked.Increment(ref _outOfMemory);
        }
        finally
        {
            t_counting = false;
        }
    }

    private static KeyValuePair<string, string>[] Generation(int index) => [new("gc_heap_generation", s_generations[index])];

    private static void Counter(PrometheusWriter writer, string name, string help, double value)
    {
        writer.Family(name, "counter", help);
        writer.Sample(name, [], value);
    }

    private static void Gauge(PrometheusWriter writer, string name, string help, double value)
    {
        writer.Family(name, "gauge", help);
        writer.Sample(name, [], value);
    }
}
