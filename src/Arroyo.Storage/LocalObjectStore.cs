using System.Runtime.InteropServices;
namespace Arroyo.Storage;

/// <summary>
/// An <see cref="IObjectStore"/> over a local directory. Each key is a file below the root
/// ('/' maps to directories). Every write goes to a temporary file in the target's directory,
/// is flushed to disk, then renamed over the target, so readers never see a partial file and
/// a crash leaves at worst an orphaned temporary file (ignored by listings).
/// </summary>
/// <remarks>
/// Unlike object stores, a key cannot be both an object and a "directory" of other keys
/// ("a" and "a/b"); the state-dir layout never needs that.
/// </remarks>
public sealed partial class LocalObjectStore : IAppendingMultipartStore, IRereadableStore
{
    // Temporary files end with this; keys ending with it are refused so listings can skip them.
    private const string TempSuffix = ".arroyo-tmp";
    private const int CopyBufferSize = 1 << 16;

    private readonly string _root;

    public LocalObjectStore(string rootDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(rootDirectory);
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDirectory));
        Description = "local directory " + _root;
        try
        {
            Directory.CreateDirectory(_root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(e, "create the directory", "");
        }
    }

    public string Description { get; }

    public string RootDirectory => _root;

    public Task PutAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => WriteAsync(key, (fs, ct) => fs.WriteAsync(data, ct), overwrite: true, cancellationToken);

    public Task PutAsync(string key, Stream content, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        return WriteAsync(key, (fs, ct) => new ValueTask(content.CopyToAsync(fs, CopyBufferSize, ct)), overwrite: true, cancellationToken);
    }

    public Task<bool> PutIfAbsentAsync(string key, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
        => WriteAsync(key, (fs, ct) => fs.WriteAsync(data, ct), overwrite: false, cancellationToken);

    public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        // Read on the caller's thread: the whole objects read here are small (pipeline.json,
        // the lease, manifests; state files are read with ReadInto), and an asynchronous read
        // cost a thread-pool hop and a state machine per file, at every start. Failures come
        // back in the task, as they did from the asynchronous read.
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled<byte[]?>(cancellationToken);
        try
        {
            return Task.FromResult(Read(key));
        }
        catch (Exception e)
        {
            return Task.FromException<byte[]?>(e);
        }
    }

    private byte[]? Read(string key)
    {
        var path = PathOf(key);
        // A missing file is looked for first, so a fresh state dir throws (and catches) no exception.
        if (IsMissing(path)) return null;
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(e, "read", key);
        }
    }

    public long? ReadInto(string key, Span<byte> destination)
    {
        var path = PathOf(key);
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
            var length = RandomAccess.GetLength(handle);
            var wanted = (int)Math.Min(length, destination.Length);
            var read = 0;
            while (read < wanted)
            {
                var n = RandomAccess.Read(handle, destination[read..wanted], read);
                if (n == 0) throw new IOException($"the file ended after {read} of its {length} bytes (truncated while read)");
                read += n;
            }

            return length;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(e, "read", key);
        }
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = PathOf(key);
        try
        {
            Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, CopyBufferSize, useAsync: true);
            return Task.FromResult<Stream?>(stream);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(e, "open", key);
        }
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(File.Exists(PathOf(key)));
    }

    public Task<IReadOnlyList<ObjectInfo>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        var lastSlash = prefix.LastIndexOf('/');
        var directory = lastSlash < 0 ? _root : Path.Combine(_root, prefix[..lastSlash]);
        var result = new List<ObjectInfo>();
        try
        {
            if (Directory.Exists(directory))
            {
                var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
                foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", options))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (file.Name.EndsWith(TempSuffix, StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var key = Path.GetRelativePath(_root, file.FullName).Replace(Path.DirectorySeparatorChar, '/');
                    if (key.StartsWith(UploadsDirectory + "/", StringComparison.Ordinal))
                    {
                        continue;
                    }
                    if (key.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        result.Add(new ObjectInfo(key, file.Length));
                    }
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // A concurrent DeletePrefix removed a directory mid-walk: what remains is listed.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(e, "list", prefix);
        }

        result.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return Task.FromResult<IReadOnlyList<ObjectInfo>>(result);
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = PathOf(key);
        try
        {
            // File.Delete succeeds for a missing file; a missing directory is the same case.
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(e, "delete", key);
        }

        return Task.CompletedTask;
    }

    public async Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        if (prefix.Length == 0)
        {
            throw new ArgumentException("refusing to delete everything in the store (empty prefix)", nameof(prefix));
        }

        foreach (var info in await ListAsync(prefix, cancellationToken).ConfigureAwait(false))
        {
            await DeleteAsync(info.Key, cancellationToken).ConfigureAwait(false);
        }

        // Empty directories are invisible to listings; removing them keeps the state dir tidy
        // after old checkpoints are cleaned up. Writers re-create directories they need.
        if (prefix.EndsWith('/'))
        {
            TryRemoveEmptyDirectories(Path.Combine(_root, prefix.TrimEnd('/')));
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<bool> WriteAsync(string key, Func<FileStream, CancellationToken, ValueTask> write, bool overwrite, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        if (!overwrite && File.Exists(path))
        {
            return false;
        }

        var directory = Path.GetDirectoryName(path)!;
        var temp = $"{path}.{Guid.NewGuid():N}{TempSuffix}";
        try
        {
            // Two tries: a concurrent DeletePrefix may remove the directory between
            // CreateDirectory and opening the temporary file.
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    Directory.CreateDirectory(directory);
                    var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, CopyBufferSize, useAsync: true);
                    await using (fs.ConfigureAwait(false))
                    {
                        await write(fs, cancellationToken).ConfigureAwait(false);
                        await fs.FlushAsync(cancellationToken).ConfigureAwait(false);
                        // Durable before visible: the rename below must not expose data still in the page cache.
                        fs.Flush(flushToDisk: true);
                    }

                    break;
                }
                catch (DirectoryNotFoundException) when (attempt == 0)
                {
                }
            }

            if (!overwrite && !OperatingSystem.IsWindows())
            {
                // link(2) fails with EEXIST if the target exists: an atomic, exclusive create
                // even between processes (File.Move's existence check is not atomic).
                var linked = link(temp, path) == 0;
                var error = Marshal.GetLastPInvokeError();
                File.Delete(temp);
                if (linked) return true;
                if (error == EEXIST) return false;
                throw new IOException($"link failed with errno {error}");
            }

            try
            {
                File.Move(temp, path, overwrite);
            }
            catch (IOException) when (!overwrite && File.Exists(path))
            {
                return false;
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Name the file the caller asked for, not the temporary one beside it.
            throw Wrap(e, "write", key, e.Message.Replace(temp, path, StringComparison.Ordinal));
        }
        finally
        {
            TryDelete(temp);
        }
    }

    private string PathOf(string key)
    {
        ObjectKeys.ValidateKey(key);
        if (key.EndsWith(TempSuffix, StringComparison.Ordinal))
        {
            throw new ArgumentException($"keys ending with '{TempSuffix}' are reserved for temporary files", nameof(key));
        }

        if (key.StartsWith(UploadsDirectory + "/", StringComparison.Ordinal))
        {
            throw new ArgumentException($"keys under '{UploadsDirectory}/' are reserved for multipart uploads", nameof(key));
        }

        return Path.Combine(_root, key.Replace('/', Path.DirectorySeparatorChar));
    }

    private void TryRemoveEmptyDirectories(string directory)
    {
        try
        {
            if (!Directory.Exists(directory))
            {
                return;
            }

            foreach (var child in Directory.EnumerateDirectories(directory))
            {
                TryRemoveEmptyDirectories(child);
            }

            if (!Directory.EnumerateFileSystemEntries(directory).Any())
            {
                Directory.Delete(directory);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a directory that gained a file meanwhile simply stays.
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private ObjectStoreException Wrap(Exception e, string operation, string key, string? message = null)
        => new($"{Description}: cannot {operation} '{key}': {message ?? e.Message}", isTransient: !IsPermanent(e), inner: e);

    /// <summary>
    /// Failures that waiting does not cure: no permission, a read-only file system, a full
    /// disk or quota, a file where a directory must be. Retrying them for half a minute only
    /// hides the cause; they are reported at once (a checkpoint that hits one is still tried
    /// again at the next interval, when space may have been freed).
    /// </summary>
    internal static bool IsPermanent(Exception e) => e switch
    {
        UnauthorizedAccessException => true,
        // On Unix, .NET puts the errno into HResult for the errors it has no exception type for.
        IOException io when !OperatingSystem.IsWindows() => io.HResult is ENOSPC or EROFS or EDQUOT or ENOTDIR or EISDIR or ENAMETOOLONG
            // EEXIST reaches here only from creating a key's directory where a file is (an
            // exclusive create that loses a race is answered by PutIfAbsent's false instead).
            or EEXIST,
        IOException io => (io.HResult & 0xFFFF) is ERROR_DISK_FULL or ERROR_HANDLE_DISK_FULL or ERROR_WRITE_PROTECT,
        _ => false,
    };

    private const int ENOTDIR = 20;
    private const int EISDIR = 21;
    private const int ENOSPC = 28;
    private const int EROFS = 30;
    private const int ENAMETOOLONG = 36;
    private const int EDQUOT = 122;
    private const int ERROR_HANDLE_DISK_FULL = 39;
    private const int ERROR_DISK_FULL = 112;
    private const int ERROR_WRITE_PROTECT = 19;

    private const int EEXIST = 17;

    private const int ENOENT = 2;

    // LibraryImport: the marshalling is generated at build time, so no IL stub is JIT-compiled at run time.
    [LibraryImport("libc", EntryPoint = "link", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int link(string oldPath, string newPath);

    [LibraryImport("libc", EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int access(string path, int mode);

    /// <summary>
    /// Whether <paramref name="path"/> certainly does not exist (ENOENT, or a component that is
    /// not a directory). Unlike <see cref="File.Exists"/>, a path that cannot be looked at (no
    /// permission) is not "missing": reading it then reports why.
    /// </summary>
    private static bool IsMissing(string path)
    {
        // Elsewhere the read itself tells (its FileNotFoundException is caught).
        if (OperatingSystem.IsWindows()) return false;
        if (access(path, 0) == 0) return false;
        var error = Marshal.GetLastPInvokeError();
        return error is ENOENT or ENOTDIR;
    }
}
