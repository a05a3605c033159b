using System.Diagnostics;
using Arroyo.Core.Errors;
using Arroyo.Storage;

namespace Arroyo.State.Checkpoints;

/// <summary>
/// Keeps two processes from running on one state dir. The lease is renewed while the run
/// lasts and expires on its own if the owner dies; on the same host, a lease whose process
/// is gone is taken over at once (so a restart after kill -9 need not wait).
/// </summary>
public sealed class StateLease : IAsyncDisposable
{
    public static readonly TimeSpan Duration = TimeSpan.FromSeconds(30);

    private readonly IObjectStore _store;
    private readonly LeaseRecord _record;
    private readonly Timer _renewal;
    private bool _released;

    private StateLease(IObjectStore store, LeaseRecord record)
    {
        _store = store;
        _record = record;
        _renewal = new Timer(_ => Renew(), null, Duration / 3, Duration / 3);
    }

    public static async Task<StateLease> AcquireAsync(IObjectStore store, CancellationToken cancel)
    {
        var mine = NewRecord(Guid.NewGuid().ToString("N"));
        var bytes = Serialize(mine);
        if (!await store.PutIfAbsentAsync(StatePaths.Lease, bytes, cancel))
        {
            var current = await ReadAsync(store, cancel);
            if (current is not null && !IsAbandoned(current))
            {
                throw new UserException(
                    $"the state dir {store.Description} is in use by another arroyo process (pid {current.ProcessId} on {current.Host})",
                    hint: $"stop that process first; if it has died, its lease expires by {current.ExpiresAt:u}");
            }
            await store.PutAsync(StatePaths.Lease, bytes, cancel);
        }
        return new StateLease(store, mine);
    }

    public async ValueTask DisposeAsync()
    {
        if (_released) return;
        _released = true;
        await _renewal.DisposeAsync();
        try
        {
            var current = await ReadAsync(_store, CancellationToken.None);
            if (current?.Owner == _record.Owner) await _store.DeleteAsync(StatePaths.Lease);
        }
        catch (Exception)
        {
            // The lease expires by itself; failing to delete it must not fail a clean stop.
        }
    }

    private void Renew()
    {
        if (_released) return;
        try
        {
            _store.PutAsync(StatePaths.Lease, Serialize(NewRecord(_record.Owner))).GetAwaiter().GetResult();
        }
        catch (Exception)
        {
            // Retried at the next renewal; the lease lasts three renewal periods.
        }
    }

    private static bool IsAbandoned(LeaseRecord lease)
    {
        if (lease.ExpiresAt < DateTimeOffset.UtcNow) return true;
        if (lease.Host != Environment.MachineName) return false;
        if (lease.ProcessId == Environment.ProcessId) return false;
        try
        {
            using var process = Process.GetProcessById(lease.ProcessId);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    private static LeaseRecord NewRecord(string owner) => new()
    {
        Owner = owner,
        Host = Environment.MachineName,
        ProcessId = Environment.ProcessId,
        ExpiresAt = DateTimeOffset.UtcNow + Duration,
    };

    private static byte[] Serialize(LeaseRecord record) => StateJson.Write(record);

    private static async Task<LeaseRecord?> ReadAsync(IObjectStore store, CancellationToken cancel)
    {
        var bytes = await store.GetAsync(StatePaths.Lease, cancel);
        return bytes is null ? null : StateJson.ReadLease(bytes);
    }
}
