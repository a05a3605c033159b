namespace Arroyo.Storage.Tests;

/// <summary>Which local-disk failures are worth retrying: none of those that waiting does not cure.</summary>
public sealed class LocalStoreErrorTests
{
    [Theory]
    [InlineData(28, true)]   // ENOSPC: the disk is full
    [InlineData(30, true)]   // EROFS: a read-only file system
    [InlineData(122, true)]  // EDQUOT: over quota
    [InlineData(20, true)]   // ENOTDIR: part of the path is a file
    [InlineData(17, true)]   // EEXIST: a file where a directory must be created
    [InlineData(5, false)]   // EIO: may pass (a flaky device or network file system)
    [InlineData(11, false)]  // EAGAIN
    public void Permanent_errors_are_told_from_transient_ones(int errno, bool permanent)
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "errno values are Unix's");
        Assert.Equal(permanent, LocalObjectStore.IsPermanent(new IOException("failed", errno)));
    }

    [Fact]
    public void No_permission_is_permanent()
    {
        Assert.True(LocalObjectStore.IsPermanent(new UnauthorizedAccessException("denied")));
    }

    [Fact]
    public async Task A_write_into_a_path_under_a_file_fails_once_naming_the_key_not_the_temporary_file()
    {
        var root = Path.Combine(Path.GetTempPath(), "arroyo-store-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var local = new LocalObjectStore(root);
            await local.PutAsync("a", "x"u8.ToArray(), TestContext.Current.CancellationToken);
            var log = new List<string>();
            var store = new RetryingObjectStore(local, new RetryPolicy { MaxAttempts = 5, InitialDelay = TimeSpan.FromMilliseconds(1) }, log.Add);
            var error = await Assert.ThrowsAsync<ObjectStoreException>(() => store.PutAsync("a/b", "y"u8.ToArray(), TestContext.Current.CancellationToken));
            Assert.False(error.IsTransient);
            Assert.Empty(log);
            Assert.Contains("'a/b'", error.Message);
            Assert.DoesNotContain(".arroyo-tmp", error.Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
