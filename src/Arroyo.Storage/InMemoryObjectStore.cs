using System.Collections.Concurrent;

namespace Arroyo.Storage;

/// <summary>
/// A process-local <see cref="IObjectStore"/> for tests of the layers above storage. It
/// follows the full contract (atomic puts, exclusive PutIfAbsent) and keeps copies, so
/// callers can reuse their buffers.
/// </summary>
public sealed class InMemoryObjectStore : IObjectStore
{
    private readonly ConcurrentDictionary<string, byte[]> _objects = new(StringComparer.Ordinal);

    public InMemoryObjectStore(string name = "memory")
    {
        Description = "in-memory store " + name;
    }

    public string Description { get; }

    public int Count => _objects.Count;

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        _objects[key] = data.ToArray();
        return Task.CompletedTask;
    }

    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        _objects[key] = buffer.ToArray();
    }

    public Task<bool> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        return Task.FromResult(_objects.TryAdd(key, data.ToArray()));
    }

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        return Task.FromResult(_objects.TryGetValue(key, out var data) ? (byte[]?)data.ToArray() : null);
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        return Task.FromResult(_objects.TryGetValue(key, out var data) ? (Stream?)new MemoryStream(data, writable: false) : null);
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        return Task.FromResult(_objects.ContainsKey(key));
    }

    public Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        cancellationToken.ThrowIfCancellationRequested();
        var result = _objects
            .Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(kv => new ObjectInfo(kv.Key, kv.Value.Length))
            .OrderBy(o => o.Key, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult<IReadOnlyList<ObjectInfo>>(result);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        Check(key, cancellationToken);
        _objects.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    public Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        if (prefix.Length == 0)
        {
            throw new ArgumentException("refusing to delete everything in the store (empty prefix)", nameof(prefix));
        }

        foreach (var key in _objects.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)))
        {
            _objects.TryRemove(key, out _);
        }

        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static void Check(string key, CancellationToken cancellationToken)
    {
        ObjectKeys.ValidateKey(key);
        cancellationToken.ThrowIfCancellationRequested();
    }
}
