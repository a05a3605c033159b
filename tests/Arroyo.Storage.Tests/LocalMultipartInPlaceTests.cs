namespace Arroyo.Storage.Tests;

/// <summary>
/// The local store writes the parts of an upload one after the other into one data file, so
/// completing renames instead of copying. What a restarted process does to such an upload —
/// finish it with a part of its own, after a failed run wrote more than its checkpoint recorded
/// — must still give exactly the recorded parts followed by the new one.
/// </summary>
public sealed class LocalMultipartInPlaceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("arroyo-local-inplace-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static byte[] Data(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private string UploadDirectory(string id) => Path.Combine(_root, ".arroyo-uploads", id);

    [Fact]
    public async Task Parts_in_order_go_into_one_file_and_completing_moves_it_without_a_copy()
    {
        var store = new LocalObjectStore(_root);
        var id = await store.StartUploadAsync("out/a.parquet", Ct);
        var first = Data(3000, 1);
        var second = Data(2000, 2);
        var parts = new[]
        {
            await store.UploadPartAsync("out/a.parquet", id, 1, first, Ct),
            await store.UploadPartAsync("out/a.parquet", id, 2, second, Ct),
        };
        // One data file, no file per part.
        Assert.Equal(["data", "key"], Directory.EnumerateFiles(UploadDirectory(id)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(5000, new FileInfo(Path.Combine(UploadDirectory(id), "data")).Length);

        await store.CompleteUploadAsync("out/a.parquet", id, parts, Ct);
        var stored = await File.ReadAllBytesAsync(Path.Combine(_root, "out", "a.parquet"), Ct);
        Assert.Equal([.. first, .. second], stored);
        Assert.False(Directory.Exists(UploadDirectory(id)));
    }

    [Fact]
    public async Task A_restarted_process_finishes_with_the_recorded_parts_and_its_own_last_part_dropping_what_the_failed_run_wrote_later()
    {
        var failed = new LocalObjectStore(_root);
        var id = await failed.StartUploadAsync("f", Ct);
        var recorded = new[]
        {
            await failed.UploadPartAsync("f", id, 1, Data(1000, 3), Ct),
            await failed.UploadPartAsync("f", id, 2, Data(1500, 4), Ct),
        };
        // Written after the checkpoint that recorded the two parts, then the process died.
        await failed.UploadPartAsync("f", id, 3, Data(4000, 5), Ct);

        var restarted = new LocalObjectStore(_root);
        var trailer = Data(700, 6);
        var last = await restarted.UploadPartAsync("f", id, 3, trailer, Ct);
        await restarted.CompleteUploadAsync("f", id, [.. recorded, last], Ct);

        var stored = await restarted.GetAsync("f", Ct);
        Assert.Equal([.. Data(1000, 3), .. Data(1500, 4), .. trailer], stored!);
        // A replay of the same commit finds it done, from yet another process.
        await new LocalObjectStore(_root).CompleteUploadAsync("f", id, [.. recorded, last], Ct);
        Assert.Equal(3200, (await restarted.GetAsync("f", Ct))!.Length);
    }

    [Fact]
    public async Task A_part_uploaded_again_takes_its_own_place()
    {
        var store = new LocalObjectStore(_root);
        var id = await store.StartUploadAsync("r", Ct);
        var one = await store.UploadPartAsync("r", id, 1, Data(100, 7), Ct);
        await store.UploadPartAsync("r", id, 2, Data(300, 8), Ct);
        var two = await store.UploadPartAsync("r", id, 2, Data(50, 9), Ct);
        await store.CompleteUploadAsync("r", id, [one, two], Ct);
        var stored = await store.GetAsync("r", Ct);
        Assert.Equal([.. Data(100, 7), .. Data(50, 9)], stored!);
    }

    [Fact]
    public async Task A_missing_part_is_refused_naming_it()
    {
        var store = new LocalObjectStore(_root);
        var id = await store.StartUploadAsync("m", Ct);
        var one = await store.UploadPartAsync("m", id, 1, Data(100, 10), Ct);
        var error = await Assert.ThrowsAsync<ObjectStoreException>(() =>
            store.CompleteUploadAsync("m", id, [one, new UploadedPart(2, "@100", 100)], Ct));
        Assert.Contains("part 2", error.Message);
        Assert.False(await store.ExistsAsync("m", Ct));
    }
}
