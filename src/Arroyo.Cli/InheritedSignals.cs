using System.Runtime.InteropServices;

namespace Arroyo.Cli;

/// <summary>
/// Undoes an ignored SIGINT inherited from the parent. A shell without job control (a
/// script) starts background jobs (<c>arroyo run … &amp;</c>) with SIGINT and SIGQUIT set to
/// ignored, and .NET leaves an inherited ignored SIGINT alone: a
/// <see cref="PosixSignalRegistration"/> for it is never called, so <c>kill -INT</c> did nothing.
/// The reference (tokio's ctrl_c) handles SIGINT however it was started; so do we, by
/// restoring the default disposition before the runtime installs its handlers. The process
/// starts no children, so the reason .NET keeps it ignored (children inheriting it) does not apply.
/// </summary>
internal static partial class InheritedSignals
{
    private const int SigInt = 2;
    private static readonly IntPtr s_default = IntPtr.Zero;
    private static readonly IntPtr s_ignore = 1;
    private static readonly IntPtr s_error = -1;

    /// <summary>Call first thing in Main, before anything touches the console or signal registrations.</summary>
    public static void RestoreInterrupt()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD()) return;
        try
        {
            var previous = Signal(SigInt, s_default);
            // Only an ignored SIGINT is changed; anything else the host installed is put back.
            if (previous != s_ignore && previous != s_error) Signal(SigInt, previous);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // No libc signal(): leave the disposition as it is (SIGTERM still stops the run).
        }
    }

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial IntPtr Signal(int signal, IntPtr handler);
}
