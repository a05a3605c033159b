using System.Diagnostics;
using Arroyo.Execution;
using Arroyo.Runtime.Messages;

namespace Arroyo.Runtime.Execution;

/// <summary>
/// The bounded queue in front of a subtask: many senders, one receiver, messages in order
/// per sender. A full queue blocks senders, which is how backpressure travels upstream.
/// What costs is waking a receiver that drained the queue and went to sleep (two context
/// switches, tens of microseconds on a virtual machine), so source subtasks hand over their
/// messages a few at a time (<see cref="AddRange"/>, see <see cref="EdgeOutput"/>).
/// </summary>
public sealed class BatchQueue
{
    private readonly Queue<StreamMessage> _items = new();
    private readonly int _capacity;
    private readonly object _lock = new();
    private bool _closed;
    private bool _woken;
    private int _reader;

    public BatchQueue(int capacity)
    {
        _capacity = capacity;
    }

    public int Capacity => _capacity;

    /// <summary>Messages waiting now (for metrics: a full queue means the receiver is the bottleneck).</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _items.Count;
        }
    }

    /// <summary>Blocks while the queue is full. Messages to a closed queue are dropped (the receiver has stopped).</summary>
    public void Add(StreamMessage message)
    {
        lock (_lock)
        {
            while (_items.Count >= _capacity && !_closed) Monitor.Wait(_lock);
            if (_closed) return;
            _items.Enqueue(message);
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>
    /// Adds <paramref name="messages"/> in order under one lock, waking the receiver once per
    /// run that fits (blocking, as <see cref="Add"/>, while the queue is full).
    /// </summary>
    public void AddRange(ReadOnlySpan<StreamMessage> messages)
    {
        var next = 0;
        lock (_lock)
        {
            while (next < messages.Length)
            {
                while (_items.Count >= _capacity && !_closed) Monitor.Wait(_lock);
                if (_closed) return;
                while (next < messages.Length && _items.Count < _capacity) _items.Enqueue(messages[next++]);
                Monitor.PulseAll(_lock);
            }
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a message; false on timeout or <see cref="Wake"/>.</summary>
    public bool TryTake(TimeSpan timeout, out StreamMessage message)
    {
        AssertSingleReader();
        lock (_lock)
        {
            if (_items.Count == 0 && !_woken)
            {
                Monitor.Wait(_lock, timeout);
            }
            _woken = false;
            if (_items.Count == 0)
            {
                message = default;
                return false;
            }
            message = _items.Dequeue();
            Monitor.PulseAll(_lock);
            return true;
        }
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
        lock (_lock)
        {
            _woken = true;
            Monitor.PulseAll(_lock);
        }
    }

    /// <summary>The receiver stopped: unblock and discard all further sends.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            _items.Clear();
            Monitor.PulseAll(_lock);
        }
    }
}
