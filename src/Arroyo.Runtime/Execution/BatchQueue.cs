using System.Diagnostics;
using Arroyo.Execution;
using Arroyo.Runtime.Messages;

namespace Arroyo.Runtime.Execution;

/// <summary>
/// The bounded queue in front of a subtask: many senders, one receiver, messages in order
/// per sender. A full queue blocks senders, which is how backpressure travels upstream.
/// What costs is waking a receiver that drained the queue and went to sleep (context
/// switches, tens of microseconds on a virtual machine), so source subtasks hand over their
/// messages a few at a time (<see cref="AddRange"/>, see <see cref="EdgeOutput"/>), and a
/// sleeper is woken once, after the lock is released (<see cref="WakeWord"/>), never while
/// the waker still holds what the woken thread needs. A blocked sender is woken only when the
/// queue has drained to half its capacity, so it refills it in one go rather than message by
/// message.
/// </summary>
public sealed class BatchQueue
{
    private readonly Queue<StreamMessage> _items = new();
    private readonly int _capacity;
    private readonly object _lock = new();
    // Guarded by _lock. A waker that finds a sleeper clears its flag (or count) and bumps its
    // word under the lock, then wakes it after leaving the lock: one wake per sleep.
    private bool _closed;
    private bool _woken;
    private bool _receiverSleeping;
    private int _sendersSleeping;
    private readonly WakeWord _data = new();
    private readonly WakeWord _space = new();
    private int _reader;

    public BatchQueue(int capacity)
    {
        _capacity = capacity;
    }

    public int Capacity => _capacity;

    /// <summary>Senders blocked on a full queue and not yet claimed for a wake-up (for tests).</summary>
    internal int SleepingSenders
    {
        get
        {
            lock (_lock) return _sendersSleeping;
        }
    }

    /// <summary>Messages waiting now (for metrics: a full queue means the receiver is the bottleneck).</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _items.Count;
        }
    }

    /// <summary>Blocks while the queue is full. Messages to a closed queue are dropped (the receiver has stopped).</summary>
    public void Add(StreamMessage message) => AddRange(new ReadOnlySpan<StreamMessage>(in message));

    /// <summary>
    /// Adds <paramref name="messages"/> in order under one lock, waking the receiver once per
    /// run that fits (blocking, as <see cref="Add"/>, while the queue is full).
    /// </summary>
    public void AddRange(ReadOnlySpan<StreamMessage> messages)
    {
        var next = 0;
        while (true)
        {
            bool wakeReceiver, full;
            var space = 0;
            lock (_lock)
            {
                if (_closed) return;
                while (next < messages.Length && _items.Count < _capacity) _items.Enqueue(messages[next++]);
                wakeReceiver = ClaimSleeper(ref _receiverSleeping, _data);
                full = next < messages.Length;
                if (full)
                {
                    _sendersSleeping++;
                    space = _space.Snapshot();
                }
            }
            // The receiver must be woken before this sender sleeps: it is what makes room.
            if (wakeReceiver) _data.Wake();
            if (!full) return;
            _space.Sleep(space, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a message; false on timeout or <see cref="Wake"/>.</summary>
    public bool TryTake(TimeSpan timeout, out StreamMessage message)
    {
        AssertSingleReader();
        bool taken, wakeSenders;
        var sleep = false;
        var snapshot = 0;
        lock (_lock)
        {
            if (_items.Count > 0 || _woken)
            {
                taken = TakeLocked(out message, out wakeSenders);
            }
            else
            {
                _receiverSleeping = sleep = true;
                snapshot = _data.Snapshot();
                taken = wakeSenders = false;
                message = default;
            }
        }
        if (sleep)
        {
            _data.Sleep(snapshot, timeout);
            lock (_lock)
            {
                _receiverSleeping = false;
                taken = TakeLocked(out message, out wakeSenders);
            }
        }
        if (wakeSenders) _space.Wake();
        return taken;
    }

    /// <summary>
    /// Under the lock: the next message, if any (consuming a <see cref="Wake"/>).
    /// <paramref name="wakeSenders"/>: blocked senders were claimed (half the queue is free
    /// again); wake them after leaving the lock.
    /// </summary>
    private bool TakeLocked(out StreamMessage message, out bool wakeSenders)
    {
        _woken = false;
        wakeSenders = false;
        if (_items.Count == 0)
        {
            message = default;
            return false;
        }
        message = _items.Dequeue();
        if (_sendersSleeping > 0 && _items.Count <= _capacity / 2)
        {
            _sendersSleeping = 0;
            _space.Bump();
            wakeSenders = true;
        }
        return true;
    }

    /// <summary>Under the lock: true (and the sleeper's word bumped) when someone sleeps on <paramref name="word"/>; wake it after leaving the lock.</summary>
    private static bool ClaimSleeper(ref bool sleeping, WakeWord word)
    {
        if (!sleeping) return false;
        sleeping = false;
        word.Bump();
        return true;
    }

    // One receiver: the subtask thread that first took from the queue takes every message.
    [Conditional("DEBUG")]
    private void AssertSingleReader()
    {
        var thread = Environment.CurrentManagedThreadId;
        var reader = Interlocked.CompareExchange(ref _reader, thread, 0);
        Debug.Assert(reader == 0 || reader == thread, $"BatchQueue has one reader: thread {thread} took from the queue of thread {reader}");
    }

    /// <summary>Makes a waiting <see cref="TryTake"/> return early, so the receiver sees control messages promptly.</summary>
    public void Wake()
    {
        bool wake;
        lock (_lock)
        {
            _woken = true;
            wake = ClaimSleeper(ref _receiverSleeping, _data);
        }
        if (wake) _data.Wake();
    }

    /// <summary>The receiver stopped: unblock and discard all further sends.</summary>
    public void Close()
    {
        bool wakeSenders;
        lock (_lock)
        {
            _closed = true;
            _items.Clear();
            wakeSenders = _sendersSleeping > 0;
            _sendersSleeping = 0;
            if (wakeSenders) _space.Bump();
        }
        if (wakeSenders) _space.Wake();
    }
}
