using System.Runtime.InteropServices;

namespace Arroyo.Runtime.Execution;

/// <summary>
/// A sleep/wake pair for <see cref="BatchQueue"/> whose wake is made after the queue's lock is
/// released: a counter the sleeper snapshots under the lock, and sleeps on while it is unchanged.
/// <para>
/// Why not <see cref="Monitor.Wait(object)"/>: on Linux the runtime signals a sleeping thread with
/// a condition variable while holding the mutex that thread must take to return, so each wake-up
/// costs the woken thread two futex waits (the condition, then the mutex) and the waker two wake
/// calls — and on a busy machine the waker is switched out at each. A hand-over from a source
/// to the subtask behind it paid this a few thousand times a run (perf sched_switch: 4 500
/// futex waits of the receiver, 2 150 `pthread_cond_signal` + 2 000 `lll_lock_wake` of the source
/// for 2.76 M rows). Here the sleeper waits on the counter's own futex and the waker makes one
/// FUTEX_WAKE after leaving the lock: one wait and one wake per hand-over.
/// </para>
/// <para>
/// Protocol (no lost wake-up): the sleeper reads <see cref="Snapshot"/> under the caller's lock,
/// leaves the lock, then <see cref="Sleep"/>s; a waker bumps the counter under the same lock
/// (<see cref="Bump"/>) and calls <see cref="Wake"/> after leaving it. A bump between the
/// snapshot and the sleep makes the kernel return at once (the word no longer holds the
/// snapshot). Where futexes are not available (not Linux, or the call fails) the same protocol
/// runs on a monitor of this object, whose wait re-checks the counter under it.
/// </para>
/// </summary>
internal sealed unsafe class WakeWord
{
    private static readonly long s_futexSyscall = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 202,
        Architecture.Arm64 => 98,
        _ => -1,
    };

    // Private futexes: the word is never shared with another process.
    private const int FutexWaitPrivate = 128;
    private const int FutexWakePrivate = 129;

    // Volatile reads and writes of the counter go through this pinned cell: the kernel keys a
    // futex by its address, so the word must not move (pinned object heap, never compacted).
    private readonly int[] _cell = GC.AllocateArray<int>(1, pinned: true);
    private readonly object _fallback = new();
    private static bool s_useFutex = OperatingSystem.IsLinux() && s_futexSyscall > 0;

    /// <summary>Whether sleeps and wakes go to the kernel's futex (false: the monitor fallback).</summary>
    internal static bool UsesFutex => s_useFutex;

    /// <summary>The counter now; read it under the caller's lock, before leaving it to <see cref="Sleep"/>.</summary>
    public int Snapshot() => Volatile.Read(ref _cell[0]);

    /// <summary>Changes the counter (under the caller's lock); follow with <see cref="Wake"/> once the lock is left.</summary>
    public void Bump() => Interlocked.Increment(ref _cell[0]);

    /// <summary>
    /// Sleeps while the counter still equals <paramref name="snapshot"/>, at most
    /// <paramref name="timeout"/> (a spurious early return is allowed: callers re-check their
    /// condition under their lock).
    /// </summary>
    public void Sleep(int snapshot, TimeSpan timeout)
    {
        if (Volatile.Read(ref _cell[0]) != snapshot) return;
        if (s_useFutex)
        {
            var ticks = Math.Max(0, timeout.Ticks);
            var time = new Timespec { Seconds = ticks / TimeSpan.TicksPerSecond, Nanoseconds = ticks % TimeSpan.TicksPerSecond * 100 };
            fixed (int* word = _cell)
            {
                // A negative timeout (Timeout.InfiniteTimeSpan) is no timeout at all.
                if (Futex(word, FutexWaitPrivate, snapshot, timeout < TimeSpan.Zero ? null : &time) >= 0) return;
                var error = Marshal.GetLastPInvokeError();
                // EAGAIN: the word changed before the kernel looked; EINTR, ETIMEDOUT: the caller re-checks.
                if (error is EAgain or EIntr or ETimedOut) return;
            }
            // Anything else (ENOSYS under an emulator, a seccomp filter): the monitor from now on.
            // A waker that already bumped also pulses the monitor (Wake does both during the switch).
            s_useFutex = false;
        }
        lock (_fallback)
        {
            if (Volatile.Read(ref _cell[0]) == snapshot) Monitor.Wait(_fallback, timeout);
        }
    }

    /// <summary>Wakes every sleeper (call after <see cref="Bump"/>, outside the caller's lock).</summary>
    public void Wake()
    {
        // After a switch to the monitor, a thread that went to sleep on the futex before it may
        // still be there: the futex is woken too whenever the call exists (ignoring its result).
        if (s_futexSyscall > 0 && OperatingSystem.IsLinux())
        {
            fixed (int* word = _cell)
            {
                if (Futex(word, FutexWakePrivate, int.MaxValue, null) >= 0 && s_useFutex) return;
            }
        }
        lock (_fallback) Monitor.PulseAll(_fallback);
    }

    private const int EAgain = 11;
    private const int EIntr = 4;
    private const int ETimedOut = 110;

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    private static long Futex(int* word, int op, int value, Timespec* timeout) =>
        Syscall(s_futexSyscall, word, op, value, timeout, null, 0);

    // syscall(2) is variadic in C; on x86-64 and arm64 Linux integer and pointer arguments of a
    // variadic call travel in the same registers as fixed ones, so this fixed signature is the call.
    [DllImport("libc", EntryPoint = "syscall", SetLastError = true)]
    private static extern long Syscall(long number, int* word, int op, int value, Timespec* timeout, int* word2, int value3);
}
