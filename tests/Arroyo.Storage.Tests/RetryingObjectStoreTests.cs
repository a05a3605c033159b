using Arroyo.Core.Errors;
using Arroyo.Storage.Testing;

namespace Arroyo.Storage.Tests;

public sealed class RetryingObjectStoreTests
{
    private static readonly RetryPolicy s_fast = new() { MaxAttempts = 4, InitialDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Transient_write_failures_are_retried_until_success()
    {
        var memory = new InMemoryObjectStore();
        var faulty = new FaultInjectingObjectStore(memory);
        faulty.FailWrites(k => k == "m", times: 3);
        var log = new List<string>();
        var store = new RetryingObjectStore(faulty, s_fast, log.Add);

        await store.PutAsync("m", "v"u8.ToArray(), Ct);

        Assert.Equal("v"u8.ToArray(), await memory.GetAsync("m", Ct));
        Assert.Equal(3, faulty.InjectedFailures);
        Assert.Equal(3, log.Count);
        Assert.Contains("attempt 1/4", log[0]);
    }

    [Fact]
    public async Task Exhausted_retries_surface_as_a_transient_external_error()
    {
        var faulty = new FaultInjectingObjectStore(new InMemoryObjectStore()) { IsDown = true };
        var store = new RetryingObjectStore(faulty, s_fast);

        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => store.GetAsync("k", Ct));
        Assert.IsAssignableFrom<ExternalException>(e);
        Assert.True(e.IsTransient);
        Assert.Contains("after 4 attempt(s)", e.Message);
        Assert.Equal(4, faulty.InjectedFailures);
    }

    [Fact]
    public async Task Non_transient_errors_are_not_retried()
    {
        var inner = new ScriptedStore(new ObjectStoreException("denied", isTransient: false, statusCode: 403));
        var store = new RetryingObjectStore(inner, s_fast);

        var e = await Assert.ThrowsAsync<ObjectStoreException>(() => store.ExistsAsync("k", Ct));
        Assert.Equal(403, e.StatusCode);
        Assert.Equal(1, inner.Calls);

        await Assert.ThrowsAsync<ArgumentException>(() => store.GetAsync("../escape", Ct));
    }

    [Theory]
    [InlineData(typeof(HttpRequestException))]
    [InlineData(typeof(IOException))]
    [InlineData(typeof(TimeoutException))]
    public async Task Network_exceptions_count_as_transient(Type type)
    {
        var inner = new ScriptedStore((Exception)Activator.CreateInstance(type, "boom")!, (Exception)Activator.CreateInstance(type, "boom")!);
        var store = new RetryingObjectStore(inner, s_fast);
        Assert.True(await store.ExistsAsync("k", Ct));
        Assert.Equal(3, inner.Calls);
    }

    [Fact]
    public async Task Missing_objects_are_answers_not_failures()
    {
        var faulty = new FaultInjectingObjectStore(new InMemoryObjectStore());
        var store = new RetryingObjectStore(faulty, s_fast);
        Assert.Null(await store.GetAsync("nope", Ct));
        await Assert.ThrowsAsync<ObjectNotFoundException>(() => store.GetRequiredAsync("nope", Ct));
        Assert.Equal(0, faulty.InjectedFailures);
    }

    [Fact]
    public async Task Cancellation_stops_retrying()
    {
        var faulty = new FaultInjectingObjectStore(new InMemoryObjectStore()) { IsDown = true };
        var slow = new RetryPolicy { MaxAttempts = 100, InitialDelay = TimeSpan.FromSeconds(10), MaxDelay = TimeSpan.FromSeconds(10) };
        var store = new RetryingObjectStore(faulty, slow);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.PutAsync("k", "v"u8.ToArray(), cts.Token));
        Assert.Equal(1, faulty.InjectedFailures);
    }

    [Fact]
    public async Task Seekable_streams_are_rewound_between_attempts_and_forward_only_ones_get_one_try()
    {
        var memory = new InMemoryObjectStore();
        var faulty = new FaultInjectingObjectStore(memory);
        var store = new RetryingObjectStore(faulty, s_fast);

        faulty.FailWrites(_ => true, times: 1, FaultTiming.AfterWrite);
        var seekable = new MemoryStream("0123456789"u8.ToArray()) { Position = 2 };
        await store.PutAsync("s", seekable, Ct);
        Assert.Equal("23456789"u8.ToArray(), await memory.GetAsync("s", Ct));

        faulty.FailWrites(_ => true, times: 1);
        await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync("f", new NonSeekable("abc"u8.ToArray()), Ct));
        Assert.Null(await memory.GetAsync("f", Ct));
    }

    [Fact]
    public async Task A_lost_response_to_PutIfAbsent_reads_as_already_present()
    {
        // Documented subtlety: the first attempt created the object, the retry sees it.
        var memory = new InMemoryObjectStore();
        var faulty = new FaultInjectingObjectStore(memory);
        faulty.FailWrites(_ => true, times: 1, FaultTiming.AfterWrite);
        var store = new RetryingObjectStore(faulty, s_fast);
        Assert.False(await store.PutIfAbsentAsync("manifest", "m"u8.ToArray(), Ct));
        Assert.Equal("m"u8.ToArray(), await memory.GetAsync("manifest", Ct));
    }

    [Fact]
    public void Backoff_grows_exponentially_with_jitter_and_a_ceiling()
    {
        var policy = new RetryPolicy { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1) };
        var random = new Random(1);
        for (var retry = 1; retry <= 10; retry++)
        {
            var ceiling = Math.Min(1000, 100 * Math.Pow(2, retry - 1));
            var delay = policy.DelayBeforeRetry(retry, random).TotalMilliseconds;
            Assert.InRange(delay, ceiling / 2, ceiling);
        }
    }

    [Fact]
    public async Task Fault_injection_reports_only_writes_that_reached_the_store()
    {
        var memory = new InMemoryObjectStore();
        var faulty = new FaultInjectingObjectStore(memory);
        faulty.FailWrites(k => k.StartsWith("cp-2/", StringComparison.Ordinal));

        await faulty.PutAsync("cp-1/a", "1"u8.ToArray(), Ct);
        await Assert.ThrowsAsync<ObjectStoreException>(() => faulty.PutAsync("cp-2/a", "2"u8.ToArray(), Ct));
        await Assert.ThrowsAsync<ObjectStoreException>(() => faulty.PutIfAbsentAsync("cp-2/manifest", "2"u8.ToArray(), Ct));

        Assert.Equal(["cp-1/a"], faulty.CompletedWrites);
        Assert.Equal(["cp-1/a"], (await memory.ListAsync("", Ct)).Select(o => o.Key));

        faulty.ClearFaults();
        Assert.True(await faulty.PutIfAbsentAsync("cp-2/manifest", "2"u8.ToArray(), Ct));
    }

    /// <summary>Throws the given exceptions from ExistsAsync in order, then answers true.</summary>
    private sealed class ScriptedStore(params Exception[] failures) : IObjectStore
    {
        private readonly Queue<Exception> _failures = new(failures);

        public int Calls { get; private set; }

        public string Description => "scripted";

        public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
        {
            Calls++;
            return _failures.TryDequeue(out var e) ? Task.FromException<bool>(e) : Task.FromResult(true);
        }

        public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
        {
            ObjectKeys.ValidateKey(key);
            return Task.FromResult<byte[]?>(null);
        }

        public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<bool> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task DeleteAsync(string key, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    private sealed class NonSeekable(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
