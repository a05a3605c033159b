namespace Arroyo.Storage.Tests;

/// <summary>Reading a local object straight into a caller's buffer (<see cref="IRereadableStore"/>).</summary>
public sealed class LocalReadIntoTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "arroyo-readinto-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Reads_the_whole_object_into_the_buffer_and_returns_its_length()
    {
        var store = new LocalObjectStore(_root);
        var data = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();
        await store.PutAsync("d/obj", data, TestContext.Current.CancellationToken);

        var buffer = new byte[150_000];
        Assert.Equal(data.Length, store.ReadInto("d/obj", buffer));
        Assert.Equal(data, buffer[..data.Length]);
    }

    [Fact]
    public async Task A_smaller_buffer_gets_what_fits_and_the_length_says_it_was_not_whole()
    {
        var store = new LocalObjectStore(_root);
        await store.PutAsync("obj", "0123456789"u8.ToArray(), TestContext.Current.CancellationToken);
        var buffer = new byte[4];
        Assert.Equal(10, store.ReadInto("obj", buffer));
        Assert.Equal("0123"u8.ToArray(), buffer);
    }

    [Fact]
    public void A_missing_object_is_null_and_a_bad_key_is_refused()
    {
        var store = new LocalObjectStore(_root);
        Assert.Null(store.ReadInto("nothing/here", new byte[8]));
        Assert.ThrowsAny<ArgumentException>(() => store.ReadInto("../escape", new byte[8]));
    }
}
