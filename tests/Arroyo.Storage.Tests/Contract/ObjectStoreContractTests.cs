using System.Text;

namespace Arroyo.Storage.Tests.Contract;

/// <summary>
/// The behaviour every <see cref="IObjectStore"/> promises (see its remarks). Each
/// implementation runs this whole suite through a subclass; every test gets a fresh store
/// under its own prefix so tests never see each other's objects.
/// </summary>
public abstract class ObjectStoreContractTests
{
    /// <summary>Part size the subclasses configure; large-object tests write more than two parts.</summary>
    protected const int PartSize = 5 * 1024 * 1024;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A store rooted at a prefix unique to <paramref name="scope"/>; the same scope returns the same location.</summary>
    protected abstract IObjectStore CreateStore(string scope);

    /// <summary>False where PutIfAbsent is check-then-put (s3rver ignores If-None-Match).</summary>
    protected virtual bool AtomicPutIfAbsent => true;

    private IObjectStore NewStore() => CreateStore(Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Put_then_get_returns_the_same_bytes()
    {
        await using var store = NewStore();
        var data = Encoding.UTF8.GetBytes("hello, state");
        await store.PutAsync("a/b/c.bin", data, Ct);
        Assert.Equal(data, await store.GetAsync("a/b/c.bin", Ct));
    }

    [Fact]
    public async Task Empty_object_round_trips()
    {
        await using var store = NewStore();
        await store.PutAsync("empty", ReadOnlyMemory<byte>.Empty, Ct);
        Assert.Equal(Array.Empty<byte>(), await store.GetAsync("empty", Ct));
        Assert.True(await store.ExistsAsync("empty", Ct));
    }

    [Fact]
    public async Task Get_of_missing_key_returns_null_and_required_get_throws_not_found()
    {
        await using var store = NewStore();
        Assert.Null(await store.GetAsync("missing", Ct));
        Assert.Null(await store.OpenReadAsync("missing/deeper", Ct));
        var e = await Assert.ThrowsAsync<ObjectNotFoundException>(() => store.GetRequiredAsync("missing", Ct));
        Assert.Equal("missing", e.Key);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task Put_replaces_an_existing_object()
    {
        await using var store = NewStore();
        await store.PutAsync("k", "first"u8.ToArray(), Ct);
        await store.PutAsync("k", "second, longer"u8.ToArray(), Ct);
        Assert.Equal("second, longer"u8.ToArray(), await store.GetAsync("k", Ct));
    }

    [Fact]
    public async Task PutIfAbsent_creates_once_and_leaves_the_first_content()
    {
        await using var store = NewStore();
        Assert.True(await store.PutIfAbsentAsync("manifest", "one"u8.ToArray(), Ct));
        Assert.False(await store.PutIfAbsentAsync("manifest", "two"u8.ToArray(), Ct));
        Assert.Equal("one"u8.ToArray(), await store.GetAsync("manifest", Ct));
    }

    [Fact]
    public async Task PutIfAbsent_lets_exactly_one_of_concurrent_writers_win()
    {
        if (!AtomicPutIfAbsent)
        {
            Assert.Skip("this server does not enforce If-None-Match; PutIfAbsent is check-then-put here");
        }

        await using var store = NewStore();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            Task.Run(() => store.PutIfAbsentAsync("lease", Encoding.UTF8.GetBytes("writer-" + i), Ct), Ct)));
        Assert.Equal(1, results.Count(r => r));
        var winner = Array.IndexOf(results, true);
        Assert.Equal(Encoding.UTF8.GetBytes("writer-" + winner), await store.GetAsync("lease", Ct));
    }

    [Fact]
    public async Task Exists_follows_put_and_delete()
    {
        await using var store = NewStore();
        Assert.False(await store.ExistsAsync("x/y", Ct));
        await store.PutAsync("x/y", "1"u8.ToArray(), Ct);
        Assert.True(await store.ExistsAsync("x/y", Ct));
        await store.DeleteAsync("x/y", Ct);
        Assert.False(await store.ExistsAsync("x/y", Ct));
    }

    [Fact]
    public async Task Delete_of_missing_key_succeeds()
    {
        await using var store = NewStore();
        await store.DeleteAsync("never/written", Ct);
        await store.PutAsync("once", "1"u8.ToArray(), Ct);
        await store.DeleteAsync("once", Ct);
        await store.DeleteAsync("once", Ct);
        Assert.Null(await store.GetAsync("once", Ct));
    }

    [Fact]
    public async Task List_returns_keys_under_the_prefix_sorted_with_sizes()
    {
        await using var store = NewStore();
        await store.PutAsync("cp-10/b", new byte[3], Ct);
        await store.PutAsync("cp-1/a", new byte[1], Ct);
        await store.PutAsync("cp-1/sub/c", new byte[2], Ct);
        await store.PutAsync("other", new byte[4], Ct);

        Assert.Equal(
            [new ObjectInfo("cp-1/a", 1), new ObjectInfo("cp-1/sub/c", 2)],
            await store.ListAsync("cp-1/", Ct));
        Assert.Equal(["cp-1/a", "cp-1/sub/c", "cp-10/b"], (await store.ListAsync("cp-1", Ct)).Select(o => o.Key));
        Assert.Equal(["cp-1/a", "cp-1/sub/c", "cp-10/b", "other"], (await store.ListAsync("", Ct)).Select(o => o.Key));
        Assert.Empty(await store.ListAsync("nothing/", Ct));
    }

    [Fact]
    public async Task Stores_with_sibling_prefixes_do_not_see_each_other()
    {
        var scope = Guid.NewGuid().ToString("N");
        await using var a = CreateStore(scope + "/pipe");
        await using var b = CreateStore(scope + "/pipe2");
        await a.PutAsync("k", "a"u8.ToArray(), Ct);
        await b.PutAsync("k", "b"u8.ToArray(), Ct);
        Assert.Equal(["k"], (await a.ListAsync("", Ct)).Select(o => o.Key));
        Assert.Equal("a"u8.ToArray(), await a.GetAsync("k", Ct));

        // The same location opened again sees what the first instance wrote (a restart).
        await using var again = CreateStore(scope + "/pipe");
        Assert.Equal("a"u8.ToArray(), await again.GetAsync("k", Ct));
    }

    [Fact]
    public async Task DeletePrefix_removes_only_matching_objects()
    {
        await using var store = NewStore();
        for (var i = 0; i < 25; i++)
        {
            await store.PutAsync($"checkpoints/cp-1/op-{i:D2}", new byte[i], Ct);
        }

        await store.PutAsync("checkpoints/cp-2/op-00", new byte[1], Ct);
        await store.DeletePrefixAsync("checkpoints/cp-1/", Ct);
        Assert.Equal(["checkpoints/cp-2/op-00"], (await store.ListAsync("", Ct)).Select(o => o.Key));

        // Idempotent, so a cleanup that failed half-way can simply run again.
        await store.DeletePrefixAsync("checkpoints/cp-1/", Ct);
        await Assert.ThrowsAsync<ArgumentException>(() => store.DeletePrefixAsync("", Ct));
    }

    [Fact]
    public async Task Large_stream_is_uploaded_in_parts_and_reads_back_exactly()
    {
        await using var store = NewStore();
        var data = new byte[(2 * PartSize) + 12345];
        new Random(42).NextBytes(data);

        // A forward-only stream: the store cannot learn the length in advance.
        await store.PutAsync("big/state.bin", new ForwardOnlyStream(data), Ct);
        Assert.Equal(data.Length, (await store.ListAsync("big/", Ct)).Single().Size);
        SameBytes(data, await store.GetAsync("big/state.bin", Ct));

        await using var read = await store.OpenReadAsync("big/state.bin", Ct);
        Assert.NotNull(read);
        var copy = new MemoryStream();
        await read.CopyToAsync(copy, Ct);
        SameBytes(data, copy.ToArray());
    }

    [Fact]
    public async Task Large_byte_put_and_exact_part_multiple_round_trip()
    {
        await using var store = NewStore();
        var data = new byte[PartSize + 1];
        new Random(7).NextBytes(data);
        await store.PutAsync("big/bytes", data, Ct);
        SameBytes(data, await store.GetAsync("big/bytes", Ct));

        // Exactly two parts: the upload must end without an empty trailing part.
        var exact = new byte[2 * PartSize];
        new Random(8).NextBytes(exact);
        await store.PutAsync("big/exact", new ForwardOnlyStream(exact), Ct);
        SameBytes(exact, await store.GetAsync("big/exact", Ct));
    }

    [Fact]
    public async Task Small_stream_put_round_trips()
    {
        await using var store = NewStore();
        await store.PutAsync("small", new MemoryStream("stream body"u8.ToArray()), Ct);
        Assert.Equal("stream body"u8.ToArray(), await store.GetAsync("small", Ct));
    }

    [Theory]
    [InlineData("")]
    [InlineData("/abs")]
    [InlineData("a//b")]
    [InlineData("a/../b")]
    [InlineData("a/./b")]
    [InlineData("trailing/")]
    public async Task Invalid_keys_are_rejected(string key)
    {
        await using var store = NewStore();
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.PutAsync(key, "x"u8.ToArray(), Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetAsync(key, Ct));
    }

    [Fact]
    public async Task Description_names_the_store()
    {
        await using var store = NewStore();
        Assert.False(string.IsNullOrWhiteSpace(store.Description));
        AssertNoSecrets(store.Description);
    }

    private static void SameBytes(byte[] expected, byte[]? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Length, actual.Length);
        // Assert.Equal on megabytes would print megabytes; find the first difference instead.
        var firstDifference = expected.AsSpan().CommonPrefixLength(actual);
        Assert.True(firstDifference == expected.Length, $"bytes differ from offset {firstDifference}");
    }

    /// <summary>Subclasses with credentials check that none of them leak into descriptions.</summary>
    protected virtual void AssertNoSecrets(string text)
    {
    }

    /// <summary>A stream that cannot seek or tell its length, like a network or compression stream.</summary>
    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            // Short reads on purpose: stores must fill parts across several reads.
            var n = Math.Min(Math.Min(count, 100_000), data.Length - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
