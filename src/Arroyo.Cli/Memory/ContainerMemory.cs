using System.Globalization;

namespace Arroyo.Cli.Memory;

/// <summary>
/// The memory limit of the cgroup this process runs in (a container's limit, or one set by
/// systemd-run / a cgroup made by hand), cgroup v2 or v1. The limit of the nearest ancestor
/// counts too: a limit on a parent group binds every group under it. Files are read through
/// a function, so tests pass sample /proc and /sys contents.
/// </summary>
public static class ContainerMemory
{
    // cgroup v1 writes "no limit" as the largest multiple of the page size below 2^63.
    private const ulong V1Unlimited = 0x7FFF_FFFF_FFFF_F000;

    /// <summary>The process's limit in bytes, or null when there is none (or no cgroup file system is mounted).</summary>
    public static ulong? ReadLimit() => ReadLimit(ReadFileOrNull);

    /// <param name="readFile">Returns a file's text, or null when it does not exist or cannot be read.</param>
    public static ulong? ReadLimit(Func<string, string?> readFile)
    {
        var cgroups = readFile("/proc/self/cgroup");
        var mounts = readFile("/proc/self/mountinfo");
        if (cgroups is null || mounts is null) return null;
        foreach (var line in cgroups.Split('\n'))
        {
            // "hierarchy-id:controllers:path"; cgroup v2 is "0::path".
            var parts = line.Split(':', 3);
            if (parts.Length != 3) continue;
            var v2 = parts[0] == "0" && parts[1].Length == 0;
            if (!v2 && !parts[1].Split(',').Contains("memory")) continue;
            if (FindMount(mounts, v2) is not { } mount) continue;
            var directory = GroupDirectory(mount, parts[2]);
            if (directory is null) continue;
            var limit = LowestLimit(readFile, mount.Point, directory, v2 ? "memory.max" : "memory.limit_in_bytes");
            if (limit is not null) return limit;
        }
        return null;
    }

    /// <summary>One line of /proc/self/mountinfo that mounts a cgroup hierarchy: its root inside the hierarchy and where it is mounted.</summary>
    internal readonly record struct CgroupMount(string Root, string Point);

    /// <summary>The mount of the cgroup2 hierarchy, or of the v1 hierarchy with the memory controller.</summary>
    internal static CgroupMount? FindMount(string mountInfo, bool v2)
    {
        foreach (var line in mountInfo.Split('\n'))
        {
            // "id parent major:minor root mount-point options [optional fields...] - fstype source super-options"
            var separator = line.IndexOf(" - ", StringComparison.Ordinal);
            if (separator < 0) continue;
            var before = line[..separator].Split(' ');
            var after = line[(separator + 3)..].Split(' ');
            if (before.Length < 5 || after.Length < 1) continue;
            var fsType = after[0];
            var matches = v2
                ? fsType == "cgroup2"
                : fsType == "cgroup" && after.Length >= 3 && after[2].Split(',').Contains("memory");
            if (matches) return new CgroupMount(Unescape(before[3]), Unescape(before[4]));
        }
        return null;
    }

    /// <summary>
    /// The directory of <paramref name="groupPath"/> under the mount: the path is relative to the
    /// hierarchy's root, the mount shows the hierarchy from <see cref="CgroupMount.Root"/> down.
    /// Null when the group is outside what the mount shows.
    /// </summary>
    internal static string? GroupDirectory(CgroupMount mount, string groupPath)
    {
        var root = mount.Root.TrimEnd('/');
        string relative;
        if (root.Length == 0) relative = groupPath;
        else if (groupPath == root) relative = "/";
        else if (groupPath.StartsWith(root + "/", StringComparison.Ordinal)) relative = groupPath[root.Length..];
        else return null;
        return mount.Point.TrimEnd('/') + (relative == "/" ? "" : relative);
    }

    /// <summary>The lowest limit from the group's directory up to the mount point (a parent's limit binds its children).</summary>
    private static ulong? LowestLimit(Func<string, string?> readFile, string mountPoint, string directory, string fileName)
    {
        ulong? lowest = null;
        var top = mountPoint.TrimEnd('/');
        var current = directory;
        while (true)
        {
            if (readFile(current + "/" + fileName) is { } text && ParseLimit(text) is { } limit)
            {
                lowest = lowest is { } l ? Math.Min(l, limit) : limit;
            }
            if (current.Length <= top.Length) break;
            var slash = current.LastIndexOf('/');
            if (slash < top.Length) break;
            current = current[..slash];
        }
        return lowest;
    }

    /// <summary>A limit file's value in bytes; null for "max" (v2) or v1's huge "unlimited" value.</summary>
    internal static ulong? ParseLimit(string text)
    {
        var value = text.Trim();
        if (value == "max") return null;
        if (!ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes)) return null;
        return bytes >= V1Unlimited ? null : bytes;
    }

    // mountinfo escapes space, tab, newline and backslash as octal (\040...).
    private static string Unescape(string field)
    {
        if (!field.Contains('\\')) return field;
        var builder = new System.Text.StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) && IsOctal(field[i + 3]))
            {
                builder.Append((char)Convert.ToInt32(field.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                builder.Append(field[i]);
            }
        }
        return builder.ToString();
    }

    private static bool IsOctal(char c) => c is >= '0' and <= '7';

    private static string? ReadFileOrNull(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
