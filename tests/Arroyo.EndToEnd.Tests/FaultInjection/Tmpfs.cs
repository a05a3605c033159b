using System.Diagnostics;

namespace Arroyo.EndToEnd.Tests.FaultInjection;

/// <summary>
/// A small tmpfs mounted for one test (the tests run as root in CI), to give a state dir a
/// full disk or a read-only file system for real. Tests skip when mounting is not permitted.
/// </summary>
internal sealed class Tmpfs : IDisposable
{
    private Tmpfs(string path)
    {
        Path = path;
    }

    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="kilobytes"/> at a new directory, or skips the test.</summary>
    public static Tmpfs Mount(string path, int kilobytes)
    {
        Directory.CreateDirectory(path);
        var (code, error) = Exec("mount", "-t", "tmpfs", "-o", $"size={kilobytes}k", "tmpfs", path);
        if (code != 0) Assert.Skip($"cannot mount a tmpfs here (mount exited {code}: {error.Trim()})");
        return new Tmpfs(path);
    }

    public void Remount(bool readOnly)
    {
        var (code, error) = Exec("mount", "-o", readOnly ? "remount,ro" : "remount,rw", Path);
        Assert.True(code == 0, $"remount failed: {error}");
    }

    /// <summary>Fills the file system to the last page (tmpfs allocates whole pages).</summary>
    public void Fill()
    {
        // Unbuffered, so nothing is left to flush (and fail) on dispose.
        using var filler = new FileStream(System.IO.Path.Combine(Path, "filler"), FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[4096];
        try
        {
            while (true) filler.Write(block);
        }
        catch (IOException)
        {
            // No space left: that was the point.
        }
    }

    public void Free() => File.Delete(System.IO.Path.Combine(Path, "filler"));

    public void Dispose()
    {
        Exec("umount", "-l", Path);
    }

    private static (int Code, string Error) Exec(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(info)!;
            var error = process.StandardError.ReadToEnd();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
