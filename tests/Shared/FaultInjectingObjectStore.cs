namespace Arroyo.Storage.Testing;

/// <summary>When an injected write failure strikes relative to the real write.</summary>
public enum FaultTiming
{
    /// <summary>The write never reaches the inner store (connection refused, request lost).</summary>
    BeforeWrite,

    /// <summary>The write is durable but the caller sees a failure (response lost) — the case that proves retries are idempotent.</summary>
    AfterWrite,
}

/// <summary>
/// Test support (linked into the test projects, never shipped): wraps a store and fails chosen operations with transient
/// <see cref="ObjectStoreException"/>s, so layers above can prove that nothing is reported
/// durable unless it was written and that they recover when the store comes back.
/// </summary>
/// <remarks>Thread-safe; faults can be changed while operations run.</remarks>
public sealed class FaultInjectingObjectStore : IObjectStore
{
    private readonly IObjectStore _inner;
    private readonly Lock _lock = new();
    private readonly List<string> _completedWrites = [];
    private Func<string, bool>? _failWrites;
    private FaultTiming _timing;
    private int _remainingWriteFaults;
    private int _injected;
    private volatile bool _isDown;

    public FaultInjectingObjectStore(IObjectStore inner)
    {
        _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    }

    public string Description => "fault-injecting " + _inner.Description;

    /// <summary>While true every operation (reads too) fails as if the store were unreachable.</summary>
    public bool IsDown
    {
        get => _isDown;
        set => _isDown = value;
    }

    /// <summary>How many failures have been injected so far.</summary>
    public int InjectedFailures => Volatile.Read(ref _injected);

    /// <summary>Keys of writes (Put, PutIfAbsent that created, Delete) that reached the inner store, in order.</summary>
    public IReadOnlyList<string> CompletedWrites
    {
        get
        {
            lock (_lock)
            {
                return [.. _completedWrites];
            }
        }
    }

    /// <summary>Fails the next <paramref name="times"/> writes (puts and deletes) whose key matches <paramref name="match"/>.</summary>
    public void FailWrites(Func<string, bool> match, int times = int.MaxValue, FaultTiming timing = FaultTiming.BeforeWrite)
    {
        lock (_lock)
        {
            _failWrites = match ?? throw new ArgumentNullException(nameof(match));
            _remainingWriteFaults = times;
            _timing = timing;
        }
    }

    public void ClearFaults()
    {
        lock (_lock)
        {
            _failWrites = null;
            _remainingWriteFaults = 0;
        }

        _isDown = false;
    }

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => WriteAsync(key, async () => { await _inner.PutAsync(key, data, cancellationToken).ConfigureAwait(false); return true; });

    public Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
        => WriteAsync(key, async () => { await _inner.PutAsync(key, content, cancellationToken).ConfigureAwait(false); return true; });

    public Task<bool> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => WriteAsync(key, () => _inner.PutIfAbsentAsync(key, data, cancellationToken));

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ThrowIfDown("get", key);
        return _inner.GetAsync(key, cancellationToken);
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        ThrowIfDown("open", key);
        return _inner.OpenReadAsync(key, cancellationToken);
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        ThrowIfDown("exists", key);
        return _inner.ExistsAsync(key, cancellationToken);
    }

    public Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ThrowIfDown("list", prefix);
        return _inner.ListAsync(prefix, cancellationToken);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
        => WriteAsync(key, async () => { await _inner.DeleteAsync(key, cancellationToken).ConfigureAwait(false); return true; });

    public Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
        => WriteAsync(prefix, async () => { await _inner.DeletePrefixAsync(prefix, cancellationToken).ConfigureAwait(false); return true; });

    public ValueTask DisposeAsync() => _inner.DisposeAsync();

    private async Task<bool> WriteAsync(string key, Func<Task<bool>> write)
    {
        ThrowIfDown("write", key);
        var fault = TakeFault(key);
        if (fault == FaultTiming.BeforeWrite)
        {
            throw Injected("write", key);
        }

        var result = await write().ConfigureAwait(false);
        if (result)
        {
            lock (_lock)
            {
                _completedWrites.Add(key);
            }
        }

        if (fault == FaultTiming.AfterWrite)
        {
            throw Injected("write (after it was stored)", key);
        }

        return result;
    }

    private FaultTiming? TakeFault(string key)
    {
        lock (_lock)
        {
            if (_failWrites is null || _remainingWriteFaults <= 0 || !_failWrites(key))
            {
                return null;
            }

            _remainingWriteFaults--;
            return _timing;
        }
    }

    private void ThrowIfDown(string operation, string key)
    {
        if (_isDown)
        {
            throw Injected(operation, key);
        }
    }

    private ObjectStoreException Injected(string operation, string key)
    {
        Interlocked.Increment(ref _injected);
        return new ObjectStoreException($"{Description}: injected failure of {operation} '{key}'", isTransient: true, statusCode: 503);
    }
}
