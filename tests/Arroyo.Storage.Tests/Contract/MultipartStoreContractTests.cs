using Arroyo.Storage.Cloud;
using Arroyo.TestServers;
using Arroyo.TestServers.Gcs;

namespace Arroyo.Storage.Tests.Contract;

/// <summary>
/// The behaviour every <see cref="IMultipartStore"/> promises (see its remarks), run against
/// each implementation through the factory and the retrying wrapper, as the file sinks use it.
/// </summary>
public abstract class MultipartStoreContractTests
{
    protected const int PartSize = 5 * 1024 * 1024;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A store rooted at a location unique to <paramref name="scope"/>; the same scope returns the same location.</summary>
    protected abstract IObjectStore CreateStore(string scope);

    /// <summary>False where unfinished uploads cannot be listed (Azure drops uncommitted blocks by itself).</summary>
    protected virtual bool ListsUploads => true;

    /// <summary>False for servers without the abort call (s3rver answers 405).</summary>
    protected virtual bool AbortsUploads => true;

    private (IMultipartStore Store, string Scope) NewStore()
    {
        var scope = Guid.NewGuid().ToString("N");
        return ((IMultipartStore)CreateStore(scope), scope);
    }

    private static byte[] Data(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task Parts_are_invisible_until_completed_then_the_object_is_their_concatenation()
    {
        var (store, _) = NewStore();
        await using var _1 = store;
        var first = Data(PartSize, 1);
        var second = Data(PartSize, 2);
        var last = Data(1234, 3);
        var id = await store.StartUploadAsync("out/a.parquet", Ct);
        var parts = new List<UploadedPart>
        {
            await store.UploadPartAsync("out/a.parquet", id, 1, first, Ct),
            await store.UploadPartAsync("out/a.parquet", id, 2, second, Ct),
            await store.UploadPartAsync("out/a.parquet", id, 3, last, Ct),
        };
        Assert.False(await store.ExistsAsync("out/a.parquet", Ct));
        Assert.Empty(await store.ListAsync("", Ct));

        await store.CompleteUploadAsync("out/a.parquet", id, parts, Ct);

        byte[] expected = [.. first, .. second, .. last];
        Assert.Equal(expected, await store.GetAsync("out/a.parquet", Ct));
        Assert.Equal(["out/a.parquet"], (await store.ListAsync("", Ct)).Select(o => o.Key));
    }

    [Fact]
    public async Task A_single_small_part_is_a_valid_upload()
    {
        var (store, _) = NewStore();
        await using var _1 = store;
        var id = await store.StartUploadAsync("small.json", Ct);
        var part = await store.UploadPartAsync("small.json", id, 1, "{\"a\":1}\n"u8.ToArray(), Ct);
        await store.CompleteUploadAsync("small.json", id, [part], Ct);
        var stored = await store.GetAsync("small.json", Ct);
        Assert.Equal("{\"a\":1}\n", System.Text.Encoding.UTF8.GetString(stored!));
    }

    [Fact]
    public async Task Completing_again_from_another_store_instance_is_idempotent()
    {
        var (store, scope) = NewStore();
        await using var _1 = store;
        var data = Data(4096, 4);
        var id = await store.StartUploadAsync("k", Ct);
        var parts = new[] { await store.UploadPartAsync("k", id, 1, data, Ct) };

        // The id and parts are plain data: a restarted process completes with them, twice even.
        await using var other = (IMultipartStore)CreateStore(scope);
        await other.CompleteUploadAsync("k", id, parts, Ct);
        await other.CompleteUploadAsync("k", id, parts, Ct);
        await store.CompleteUploadAsync("k", id, parts, Ct);
        Assert.Equal(data, await store.GetAsync("k", Ct));
    }

    [Fact]
    public async Task Abort_leaves_nothing_and_can_be_repeated()
    {
        if (!AbortsUploads) return;
        var (store, _) = NewStore();
        await using var _1 = store;
        var id = await store.StartUploadAsync("gone", Ct);
        await store.UploadPartAsync("gone", id, 1, Data(100, 5), Ct);
        await store.AbortUploadAsync("gone", id, Ct);
        await store.AbortUploadAsync("gone", id, Ct);
        Assert.False(await store.ExistsAsync("gone", Ct));
        Assert.Empty(await store.ListAsync("", Ct));
        Assert.DoesNotContain(await store.ListUploadsAsync("", Ct), u => u.UploadId == id);
    }

    [Fact]
    public async Task Open_uploads_are_listed_until_completed_or_aborted()
    {
        if (!ListsUploads) return;
        var (store, _) = NewStore();
        await using var _1 = store;
        var a = await store.StartUploadAsync("dir/a", Ct);
        var b = await store.StartUploadAsync("dir/b", Ct);
        var c = await store.StartUploadAsync("other/c", Ct);
        var part = await store.UploadPartAsync("dir/a", a, 1, Data(10, 6), Ct);

        var listed = await store.ListUploadsAsync("dir/", Ct);
        Assert.Equal([new OpenUpload("dir/a", a), new OpenUpload("dir/b", b)], listed.OrderBy(u => u.Key));

        await store.CompleteUploadAsync("dir/a", a, [part], Ct);
        await store.AbortUploadAsync("dir/b", b, Ct);
        Assert.Empty(await store.ListUploadsAsync("dir/", Ct));
        Assert.Equal([new OpenUpload("other/c", c)], await store.ListUploadsAsync("", Ct));
    }
}

public sealed class LocalMultipartStoreContractTests : MultipartStoreContractTests, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("arroyo-local-multipart-").FullName;

    protected override IObjectStore CreateStore(string scope)
        => ObjectStoreFactory.Create(StorageUrl.Parse(Path.Combine(_root, scope)), new Dictionary<string, string>(), new ObjectStoreOptions { PartSize = PartSize });

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

public sealed class S3MultipartStoreContractTests(S3rverFixture server) : MultipartStoreContractTests, IClassFixture<S3rverFixture>
{
    // s3rver implements neither ListMultipartUploads (501) nor AbortMultipartUpload (405);
    // the sink treats both as "nothing to clean up", which unfinished uploads are to readers.
    protected override bool ListsUploads => false;

    protected override bool AbortsUploads => false;

    protected override IObjectStore CreateStore(string scope)
    {
        server.RequireRunning();
        return ObjectStoreFactory.Create($"s3::{server.Endpoint}/{S3rverFixture.Bucket}/{scope}", server.Environment, new ObjectStoreOptions { PartSize = PartSize });
    }
}

public sealed class AzureMultipartStoreContractTests(AzuriteFixture server) : MultipartStoreContractTests, IClassFixture<AzuriteFixture>
{
    protected override bool ListsUploads => false;

    protected override IObjectStore CreateStore(string scope)
    {
        server.RequireRunning();
        return ObjectStoreFactory.Create(
            $"abfs://{AzuriteFixture.Container}@{AzuriteFixture.Account}.dfs.core.windows.net/{scope}", server.Environment, new ObjectStoreOptions { PartSize = PartSize });
    }
}

/// <summary>GCS multipart uploads are part objects composed on completion (see GcsObjectStore), over the loopback JSON API.</summary>
public sealed class GcsMultipartStoreContractTests(GcsFixture server) : MultipartStoreContractTests, IClassFixture<GcsFixture>
{
    protected override IObjectStore CreateStore(string scope)
        => ObjectStoreFactory.Create($"gs://{GcsFixture.Bucket}/{scope}", server.Environment, new ObjectStoreOptions { PartSize = PartSize });
}
