namespace Arroyo.Storage.Tests;

/// <summary>
/// The local store reads whole objects on the caller's thread and tells a missing file without
/// an exception (every fresh start reads a missing pipeline.json); what a caller sees is as from
/// the asynchronous read it replaced: null for a missing key, failures in the returned task.
/// </summary>
public sealed class LocalGetTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "arroyo-get-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task A_missing_key_reads_as_null_also_under_a_missing_directory_or_a_file()
    {
        var store = new LocalObjectStore(_root);
        var cancel = TestContext.Current.CancellationToken;
        Assert.Null(await store.GetAsync("pipeline.json", cancel));
        Assert.Null(await store.GetAsync("checkpoints/epoch-0000000001/manifest.json", cancel));
        await store.PutAsync("a", "x"u8.ToArray(), cancel);
        Assert.Null(await store.GetAsync("a/b", cancel));
        Assert.Equal("x"u8.ToArray(), await store.GetAsync("a", cancel));
    }

    [Fact]
    public async Task A_missing_key_is_told_without_throwing_an_exception()
    {
        var store = new LocalObjectStore(_root);
        var thrown = 0;
        // Process-wide: only exceptions about this test's directory count.
        void OnFirstChance(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (e.Exception.Message.Contains(_root, StringComparison.Ordinal)) Interlocked.Increment(ref thrown);
        }
        AppDomain.CurrentDomain.FirstChanceException += OnFirstChance;
        try
        {
            Assert.Null(await store.GetAsync("pipeline.json", TestContext.Current.CancellationToken));
            Assert.Null(await store.GetAsync("checkpoints/x/manifest.json", TestContext.Current.CancellationToken));
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= OnFirstChance;
        }
        Assert.Equal(0, thrown);
    }

    [Fact]
    public async Task Failures_come_back_in_the_task_not_from_the_call()
    {
        var store = new LocalObjectStore(_root);
        Directory.CreateDirectory(Path.Combine(_root, "dir"));
        // A directory where the object should be: not missing, and not readable as a file.
        var read = store.GetAsync("dir", TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<ObjectStoreException>(() => read);

        var invalid = store.GetAsync("../outside", TestContext.Current.CancellationToken);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => invalid);

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var canceled = store.GetAsync("a", cancelled.Token);
        Assert.True(canceled.IsCanceled);
    }
}
