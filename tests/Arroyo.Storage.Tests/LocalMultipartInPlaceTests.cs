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

    [Fact]
    public async Task Parts_written_a_piece_at_a_time_lie_in_the_data_file_like_parts_uploaded_whole()
    {
        var store = new LocalObjectStore(_root);
        var id = await store.StartUploadAsync("w", Ct);
        var bytes = Data(5000, 11);
        var parts = new List<UploadedPart>();
        using (var appender = store.OpenAppender("w", id))
        {
            appender.Write(bytes.AsSpan(0, 1000));
            appender.Write(bytes.AsSpan(1000, 2000));
            Assert.Equal(3000, appender.Pending);
            parts.Add(appender.EndPart(1));
            Assert.Equal(0, appender.Pending);
            appender.Write(bytes.AsSpan(3000, 1500));
            parts.Add(appender.EndPart(2));
            Assert.Throws<ArgumentException>(() => appender.EndPart(4));
        }
        Assert.Equal([new UploadedPart(1, "@0", 3000), new UploadedPart(2, "@3000", 1500)], parts);
        // A part handed over whole afterwards (the same process ending the file) follows them in place.
        parts.Add(await store.UploadPartAsync("w", id, 3, bytes.AsMemory(4500), Ct));
        Assert.Equal(new UploadedPart(3, "@4500", 500), parts[2]);
        Assert.Equal(["data", "key"], Directory.EnumerateFiles(UploadDirectory(id)).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        await store.CompleteUploadAsync("w", id, parts, Ct);
        Assert.Equal(bytes, (await store.GetAsync("w", Ct))!);
    }

    [Fact]
    public async Task Bytes_written_after_the_last_recorded_part_are_dropped_when_a_restarted_process_finishes_the_upload()
    {
        var failed = new LocalObjectStore(_root);
        var id = await failed.StartUploadAsync("c", Ct);
        UploadedPart recorded;
        using (var appender = failed.OpenAppender("c", id))
        {
            appender.Write(Data(2000, 12));
            recorded = appender.EndPart(1);
            // Written after the checkpoint that recorded part 1, never ended as a part: the process died.
            appender.Write(Data(3000, 13));
        }

        var restarted = new LocalObjectStore(_root);
        var trailer = Data(300, 14);
        var last = await restarted.UploadPartAsync("c", id, 2, trailer, Ct);
        await restarted.CompleteUploadAsync("c", id, [recorded, last], Ct);
        var stored = await restarted.GetAsync("c", Ct);
        Assert.Equal([.. Data(2000, 12), .. trailer], stored!);
    }

    [Fact]
    public void An_appender_for_an_upload_that_does_not_exist_is_refused()
    {
        var store = new LocalObjectStore(_root);
        var error = Assert.Throws<ObjectStoreException>(() => store.OpenAppender("x", "0123abcd"));
        Assert.Contains("does not exist", error.Message);
    }
}
