using System.Globalization;
using System.Text;

namespace Arroyo.Storage;

/// <summary>
/// Multipart uploads on a local directory: each upload is a hidden directory
/// <c>.arroyo-uploads/ID/</c> under the root holding the target key (file <c>key</c>) and one
/// file per part; completing concatenates the parts into a temporary file beside the target,
/// flushes it to disk and renames it over the target (atomic, as every local write), then
/// removes the upload directory. Listings skip the uploads directory.
/// </summary>
public sealed partial class LocalObjectStore
{
    internal const string UploadsDirectory = ".arroyo-uploads";
    private const string KeyFile = "key";

    public Task<string> StartUploadAsync(string key, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        PathOf(key);
        var id = Guid.NewGuid().ToString("N");
        var directory = UploadDirectory(id);
        try
        {
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, KeyFile), key, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(e, "start an upload of", key);
        }

        return Task.FromResult(id);
    }

    public async Task<UploadedPart> UploadPartAsync(string key, string uploadId, int partNumber, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partNumber, 1);
        var directory = UploadDirectory(uploadId);
        if (!Directory.Exists(directory))
        {
            throw new ObjectStoreException($"{Description}: cannot upload part {partNumber} of '{key}': upload {uploadId} does not exist", isTransient: false, statusCode: 404);
        }

        var part = PartPath(directory, partNumber);
        var temp = part + TempSuffix;
        try
        {
            var fs = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, CopyBufferSize, useAsync: true);
            await using (fs.ConfigureAwait(false))
            {
                await fs.WriteAsync(data, cancellationToken).ConfigureAwait(false);
                await fs.FlushAsync(cancellationToken).ConfigureAwait(false);
                // The part is recorded in a checkpoint once this returns: it must survive a crash.
                fs.Flush(flushToDisk: true);
            }

            File.Move(temp, part, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw Wrap(e, $"upload part {partNumber} of", key);
        }

        return new UploadedPart(partNumber, partNumber.ToString(CultureInfo.InvariantCulture), data.Length);
    }

    public async Task CompleteUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken = default)
    {
        var target = PathOf(key);
        var directory = UploadDirectory(uploadId);
        if (!Directory.Exists(directory))
        {
            // Completed before (a replayed commit) — or never started, which only a lost upload directory explains.
            if (File.Exists(target)) return;
            throw new ObjectStoreException($"{Description}: cannot complete '{key}': upload {uploadId} does not exist and neither does the object", isTransient: false, statusCode: 404);
        }

        var temp = $"{target}.{uploadId}{TempSuffix}";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var output = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, CopyBufferSize, useAsync: true);
            await using (output.ConfigureAwait(false))
            {
                foreach (var part in parts.OrderBy(p => p.Number))
                {
                    var path = PartPath(directory, part.Number);
                    if (!File.Exists(path) || new FileInfo(path).Length != part.Size)
                    {
                        throw new ObjectStoreException(
                            $"{Description}: cannot complete '{key}': part {part.Number} of upload {uploadId} is missing or not {part.Size} bytes", isTransient: false);
                    }

                    var input = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, CopyBufferSize, useAsync: true);
                    await using (input.ConfigureAwait(false))
                    {
                        await input.CopyToAsync(output, CopyBufferSize, cancellationToken).ConfigureAwait(false);
                    }
                }

                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                output.Flush(flushToDisk: true);
            }

            File.Move(temp, target, overwrite: true);
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw Wrap(e, "complete the upload of", key);
        }
    }

    public Task AbortUploadAsync(string key, string uploadId, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var directory = UploadDirectory(uploadId);
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(e, "abort the upload of", key);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<OpenUpload>> ListUploadsAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ObjectKeys.ValidatePrefix(prefix);
        var result = new List<OpenUpload>();
        var uploads = Path.Combine(_root, UploadsDirectory);
        try
        {
            if (Directory.Exists(uploads))
            {
                foreach (var directory in Directory.EnumerateDirectories(uploads))
                {
                    var keyFile = Path.Combine(directory, KeyFile);
                    if (!File.Exists(keyFile)) continue;
                    var key = File.ReadAllText(keyFile, Encoding.UTF8);
                    if (key.StartsWith(prefix, StringComparison.Ordinal)) result.Add(new OpenUpload(key, Path.GetFileName(directory)));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(e, "list the uploads under", prefix);
        }

        result.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return Task.FromResult<IReadOnlyList<OpenUpload>>(result);
    }

    private string UploadDirectory(string uploadId)
    {
        if (uploadId.Length == 0 || !uploadId.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException($"'{uploadId}' is not an upload id of this store", nameof(uploadId));
        }

        return Path.Combine(_root, UploadsDirectory, uploadId);
    }

    private static string PartPath(string directory, int number) =>
        Path.Combine(directory, number.ToString("D5", CultureInfo.InvariantCulture));
}
