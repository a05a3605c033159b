namespace Arroyo.EndToEnd.Tests.Support;

/// <summary>
/// A memory cgroup of our own with a limit, for running the CLI as if in a container with that
/// much memory: cgroup v1 (the memory hierarchy) or v2 (a group under the unified root, when
/// the memory controller is enabled there). Needs write access to /sys/fs/cgroup (root, no
/// read-only mount); <see cref="TryCreate"/> says why not otherwise, so a test can skip.
/// Removed on dispose (the process run in it has exited by then).
/// </summary>
public sealed class MemoryCgroup : IDisposable
{
    private readonly bool _v2;

    private MemoryCgroup(string directory, bool v2)
    {
        Directory = directory;
        _v2 = v2;
    }

    public string Directory { get; }

    public static MemoryCgroup? TryCreate(long limitBytes, out string whyNot)
    {
        var name = "arroyo-test-" + Guid.NewGuid().ToString("N")[..12];
        var candidates = new List<(string Parent, bool V2)>();
        if (File.Exists("/sys/fs/cgroup/memory/memory.limit_in_bytes")) candidates.Add(("/sys/fs/cgroup/memory", false));
        if (File.Exists("/sys/fs/cgroup/cgroup.subtree_control") && File.ReadAllText("/sys/fs/cgroup/cgroup.subtree_control").Contains("memory"))
        {
            candidates.Add(("/sys/fs/cgroup", true));
        }
        whyNot = candidates.Count == 0 ? "no writable memory cgroup controller is mounted at /sys/fs/cgroup" : "";
        foreach (var (parent, v2) in candidates)
        {
            var directory = Path.Combine(parent, name);
            try
            {
                System.IO.Directory.CreateDirectory(directory);
                File.WriteAllText(Path.Combine(directory, v2 ? "memory.max" : "memory.limit_in_bytes"), limitBytes.ToString());
                if (v2 && File.Exists(Path.Combine(directory, "memory.swap.max"))) File.WriteAllText(Path.Combine(directory, "memory.swap.max"), "0");
                return new MemoryCgroup(directory, v2);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                whyNot = $"cannot create a memory cgroup under {parent}: {error.Message}";
                try { System.IO.Directory.Delete(directory); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        }
        return null;
    }

    /// <summary>A shell command prefix that moves the shell into this group before it execs the rest.</summary>
    public string EnterCommand => $"echo $$ > '{Path.Combine(Directory, "cgroup.procs")}' && exec";

    /// <summary>How often the kernel's OOM killer killed a process of this group.</summary>
    public long OomKills
    {
        get
        {
            var file = Path.Combine(Directory, _v2 ? "memory.events" : "memory.oom_control");
            foreach (var line in File.ReadAllLines(file))
            {
                var parts = line.Split(' ');
                if (parts.Length == 2 && parts[0] == "oom_kill") return long.Parse(parts[1]);
            }
            return 0;
        }
    }

    /// <summary>The group's peak memory use (v1: max_usage_in_bytes; v2: memory.peak where the kernel has it).</summary>
    public long? PeakBytes
    {
        get
        {
            var file = Path.Combine(Directory, _v2 ? "memory.peak" : "memory.max_usage_in_bytes");
            return File.Exists(file) ? long.Parse(File.ReadAllText(file).Trim()) : null;
        }
    }

    public void Dispose()
    {
        // rmdir of a cgroup succeeds once no process is left in it; the CLI has exited.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                System.IO.Directory.Delete(Directory);
                return;
            }
            catch (IOException) when (attempt < 49)
            {
                Thread.Sleep(100);
            }
            catch (IOException)
            {
                return;
            }
        }
    }
}
