using Arroyo.Cli.Memory;

namespace Arroyo.Engine.Tests.Cli;

/// <summary>Reading the cgroup memory limit from sample /proc and /sys files (v2, v1, nested, none).</summary>
public sealed class ContainerMemoryTests
{
    // Trimmed from real machines: a cgroup2 host (systemd), a cgroup v1 host (docker), this build machine.
    private const string V2MountInfo = """
        22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw
        25 22 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate
        """;

    private const string V1MountInfo = """
        100 99 0:50 / / rw,relatime - overlay overlay rw,lowerdir=/l
        105 104 0:55 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs rw,mode=755
        110 105 0:28 /docker/abc /sys/fs/cgroup/memory ro,nosuid,nodev,noexec,relatime master:12 - cgroup cgroup rw,memory
        111 105 0:29 /docker/abc /sys/fs/cgroup/cpu ro,nosuid - cgroup cgroup rw,cpu
        """;

    private static Func<string, string?> Files(params (string Path, string Text)[] files)
    {
        var map = files.ToDictionary(f => f.Path, f => f.Text);
        return path => map.GetValueOrDefault(path);
    }

    [Fact]
    public void Cgroup_v2_reads_memory_max_of_the_process_group()
    {
        var read = Files(
            ("/proc/self/cgroup", "0::/system.slice/run-42.scope\n"),
            ("/proc/self/mountinfo", V2MountInfo),
            ("/sys/fs/cgroup/system.slice/run-42.scope/memory.max", "536870912\n"),
            ("/sys/fs/cgroup/system.slice/memory.max", "max\n"));
        Assert.Equal(536870912UL, ContainerMemory.ReadLimit(read));
    }

    [Fact]
    public void A_parents_lower_limit_binds_the_group_under_it()
    {
        var read = Files(
            ("/proc/self/cgroup", "0::/user.slice/app\n"),
            ("/proc/self/mountinfo", V2MountInfo),
            ("/sys/fs/cgroup/user.slice/app/memory.max", "max\n"),
            ("/sys/fs/cgroup/user.slice/memory.max", "268435456\n"));
        Assert.Equal(268435456UL, ContainerMemory.ReadLimit(read));
    }

    [Fact]
    public void Cgroup_v1_inside_a_container_maps_the_group_path_through_the_mount_root()
    {
        // The container sees its own group at the mount point: /docker/abc is the mount's root.
        var read = Files(
            ("/proc/self/cgroup", "12:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n0::/\n"),
            ("/proc/self/mountinfo", V1MountInfo),
            ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "1073741824\n"));
        Assert.Equal(1073741824UL, ContainerMemory.ReadLimit(read));
    }

    [Fact]
    public void Cgroup_v1_unlimited_and_v2_max_mean_no_limit()
    {
        var v1 = Files(
            ("/proc/self/cgroup", "4:memory:/\n"),
            ("/proc/self/mountinfo", "30 25 0:26 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"),
            ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n"));
        Assert.Null(ContainerMemory.ReadLimit(v1));
        var v2 = Files(
            ("/proc/self/cgroup", "0::/\n"),
            ("/proc/self/mountinfo", V2MountInfo),
            ("/sys/fs/cgroup/memory.max", "max\n"));
        Assert.Null(ContainerMemory.ReadLimit(v2));
    }

    [Fact]
    public void A_group_the_mount_does_not_show_or_missing_files_mean_no_limit()
    {
        // As on this build machine: the process's v1 group is outside what the mount shows.
        var hidden = Files(
            ("/proc/self/cgroup", "4:memory:/process_api/e6d7\n"),
            ("/proc/self/mountinfo", "30 25 0:26 /sandbox /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"));
        Assert.Null(ContainerMemory.ReadLimit(hidden));
        Assert.Null(ContainerMemory.ReadLimit(Files()));
        Assert.Null(ContainerMemory.ReadLimit(Files(("/proc/self/cgroup", "0::/\n"), ("/proc/self/mountinfo", "garbage line\n"))));
    }

    [Fact]
    public void Mount_points_with_escaped_spaces_are_unescaped()
    {
        var read = Files(
            ("/proc/self/cgroup", "0::/g\n"),
            ("/proc/self/mountinfo", "25 22 0:22 / /mnt/cg\\040root rw - cgroup2 cgroup2 rw\n"),
            ("/mnt/cg root/g/memory.max", "1048576"));
        Assert.Equal(1048576UL, ContainerMemory.ReadLimit(read));
    }

    [Theory]
    [InlineData(512UL << 20, 384UL << 20)]      // a quarter kept back
    [InlineData(256UL << 20, 128UL << 20)]      // at least 128 MB kept back
    [InlineData(128UL << 20, 64UL << 20)]       // but never more than half
    [InlineData(8UL << 30, 6UL << 30)]
    public void The_heap_gets_the_limit_less_a_reserve(ulong container, ulong heap)
    {
        Assert.Equal(heap, HeapLimit.ForContainer(container));
    }

    [Fact]
    public void A_limit_the_user_set_is_kept_and_a_container_limit_is_used_otherwise()
    {
        var user = HeapLimit.Decide(name => name == "DOTNET_GCHeapHardLimit" ? "0x20000000" : null, false, 1UL << 30);
        Assert.Null(user.Bytes);
        Assert.Contains("DOTNET_GCHeapHardLimit=0x20000000", user.Origin);
        Assert.Null(HeapLimit.Decide(_ => null, configuredInRuntimeConfig: true, 1UL << 30).Bytes);
        Assert.Null(HeapLimit.Decide(_ => null, false, null).Bytes);
        var container = HeapLimit.Decide(_ => null, false, 1UL << 30);
        Assert.Equal(768UL << 20, container.Bytes);
        Assert.Contains("1024 MB", container.Origin);
    }
}
