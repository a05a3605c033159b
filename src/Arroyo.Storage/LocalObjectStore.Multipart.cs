using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace Arroyo.Storage;

/// <summary>
/// Multipart uploads on a local directory: each upload is a hidden directory
/// <c>.arroyo-uploads/ID/</c> under the root holding the target key (file <c>key</c>) and the
/// parts. Parts uploaded in order by this store go straight into one file, <c>data</c>, each
/// after the last (its offset is its ETag, <c>@offset</c>), so completing costs no copy: the
/// file is cut to the listed parts' end, flushed to disk and renamed over the target (atomic,
/// as every local write). A part that does not follow the last one this store wrote (a
/// restarted process finishing an upload) is a file of its own, appended at completion.
/// A writer may also write the parts straight into the data file a piece at a time
/// (<see cref="OpenAppender"/>) instead of handing each over whole. Listings skip the uploads
/// directory.
/// </summary>
public sealed partial class LocalObjectStore
{
    internal const string UploadsDirectory = ".arroyo-uploads";
    private const string KeyFile = "key";
    private const string DataFile = "data";

    /// <summary>The last part written into each upload's data file by this store: where the next one goes.</summary>
    private readonly ConcurrentDictionary<string, (int Number, long Offset, long Size)> _lastInPlace = new(StringComparer.Ordinal);

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

        if (InPlaceOffset(uploadId, partNumber) is { } offset)
        {
            try
            {
                await WriteToDiskAsync(Path.Combine(directory, DataFile), FileMode.OpenOrCreate, offset, data, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _lastInPlace.TryRemove(uploadId, out _);
                throw Wrap(e, $"upload part {partNumber} of", key);
            }
            _lastInPlace[uploadId] = (partNumber, offset, data.Length);
            return new UploadedPart(partNumber, InPlaceTag + offset.ToString(CultureInfo.InvariantCulture), data.Length);
        }

        var part = PartPath(directory, partNumber);
        var temp = part + TempSuffix;
        try
        {
            await WriteToDiskAsync(temp, FileMode.Create, 0, data, cancellationToken).ConfigureAwait(false);
            File.Move(temp, part, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);
            throw Wrap(e, $"upload part {partNumber} of", key);
        }

        return new UploadedPart(partNumber, partNumber.ToString(CultureInfo.InvariantCulture), data.Length);
    }

    /// <summary>
    /// Writes <paramref name="data"/> at <paramref name="offset"/> of <paramref name="path"/> and
    /// flushes it to the disk: a part is recorded in a checkpoint once its upload returns, so it
    /// must survive a crash.
    /// </summary>
    private static async Task WriteToDiskAsync(string path, FileMode mode, long offset, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        var file = new FileStream(path, mode, FileAccess.Write, FileShare.None, CopyBufferSize, useAsync: true);
        await using (file.ConfigureAwait(false))
        {
            file.Position = offset;
            await file.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            file.Flush(flushToDisk: true);
        }
    }

    public IPartAppender OpenAppender(string key, string uploadId)
    {
        var directory = UploadDirectory(uploadId);
        if (!Directory.Exists(directory))
        {
            throw new ObjectStoreException($"{Description}: cannot write to '{key}': upload {uploadId} does not exist", isTransient: false, statusCode: 404);
        }

        try
        {
            var data = new FileStream(Path.Combine(directory, DataFile), FileMode.Create, FileAccess.Write, FileShare.Read, CopyBufferSize, useAsync: false);
            return new InPlaceAppender(this, key, uploadId, data);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Wrap(e, "start writing", key);
        }
    }

    /// <summary>
    /// Writes an upload's parts one after the other into its data file, as <see cref="UploadPartAsync"/>
    /// does for parts handed over whole: each part ends where the next begins, its ETag is its
    /// offset, and the store remembers it as the last part written in place, so a part uploaded
    /// whole later (the same process finishing the file) follows it.
    /// </summary>
    private sealed class InPlaceAppender(LocalObjectStore store, string key, string uploadId, FileStream data) : IPartAppender
    {
        private long _partStart;
        private int _lastPart;

        public long Pending => data.Position - _partStart;

        public void Write(ReadOnlySpan<byte> bytes)
        {
            try
            {
                data.Write(bytes);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw store.Wrap(e, $"upload part {_lastPart + 1} of", key);
            }
        }

        public UploadedPart EndPart(int partNumber)
        {
            if (partNumber != _lastPart + 1)
            {
                throw new ArgumentException($"part {partNumber} of '{key}' cannot follow part {_lastPart}", nameof(partNumber));
            }

            try
            {
                // Durable before it is recorded, as a part uploaded whole.
                data.Flush(flushToDisk: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw store.Wrap(e, $"upload part {partNumber} of", key);
            }

            var size = data.Position - _partStart;
            var part = new UploadedPart(partNumber, InPlaceTag + _partStart.ToString(CultureInfo.InvariantCulture), size);
            store._lastInPlace[uploadId] = (partNumber, _partStart, size);
            _partStart = data.Position;
            _lastPart = partNumber;
            return part;
        }

        public void Dispose() => data.Dispose();
    }

    public async Task CompleteUploadAsync(string key, string uploadId, IReadOnlyList<UploadedPart> parts, CancellationToken cancellationToken = default)
    {
        var target = PathOf(key);
        var directory = UploadDirectory(uploadId);
        var dataFile = Path.Combine(directory, DataFile);
        var ordered = parts.OrderBy(p => p.Number).ToList();
        var anyInPlace = ordered.Any(p => InPlaceOffsetOf(p) is not null);
        if (!Directory.Exists(directory) || (anyInPlace && !File.Exists(dataFile) && File.Exists(target)))
        {
            // Completed before (a replayed commit; the data file is renamed before the directory
            // goes) — or never started, which only a lost upload directory explains.
            if (File.Exists(target))
            {
                if (Directory.Exists(directory)) TryDeleteDirectory(directory);
                return;
            }
            throw new ObjectStoreException($"{Description}: cannot complete '{key}': upload {uploadId} does not exist and neither does the object", isTransient: false, statusCode: 404);
        }

        try
        {
            var dataLength = File.Exists(dataFile) ? new FileInfo(dataFile).Length : 0;
            foreach (var part in ordered)
            {
                var present = InPlaceOffsetOf(part) is { } offset
                    ? dataLength >= offset + part.Size
                    : File.Exists(PartPath(directory, part.Number)) && new FileInfo(PartPath(directory, part.Number)).Length == part.Size;
                if (!present)
                {
                    throw new ObjectStoreException(
                        $"{Description}: cannot complete '{key}': part {part.Number} of upload {uploadId} is missing or not {part.Size} bytes", isTransient: false);
                }
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            // The usual case: the leading parts lie one after the other from the data file's start.
            var prefix = 0;
            var prefixBytes = 0L;
            while (prefix < ordered.Count && InPlaceOffsetOf(ordered[prefix]) == prefixBytes)
            {
                prefixBytes += ordered[prefix].Size;
                prefix++;
            }

            string assembled;
            if (prefix > 0)
            {
                // Cut what a failed run wrote past the listed parts, append the parts kept apart, rename.
                assembled = dataFile;
                var output = new FileStream(dataFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None, CopyBufferSize, useAsync: true);
                await using (output.ConfigureAwait(false))
                {
                    output.SetLength(prefixBytes);
                    output.Position = prefixBytes;
                    await AppendPartsAsync(output, directory, ordered.Skip(prefix), cancellationToken).ConfigureAwait(false);
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    output.Flush(flushToDisk: true);
                }
            }
            else
            {
                assembled = $"{target}.{uploadId}{TempSuffix}";
                var output = new FileStream(assembled, FileMode.Create, FileAccess.Write, FileShare.None, CopyBufferSize, useAsync: true);
                await using (output.ConfigureAwait(false))
                {
                    await AppendPartsAsync(output, directory, ordered, cancellationToken).ConfigureAwait(false);
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    output.Flush(flushToDisk: true);
                }
            }

            File.Move(assembled, target, overwrite: true);
            _lastInPlace.TryRemove(uploadId, out _);
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            TryDelete($"{target}.{uploadId}{TempSuffix}");
            throw Wrap(e, "complete the upload of", key);
        }
    }

    /// <summary>Copies the parts, in order, to the end of <paramref name="output"/>: each from its own file, or its range of the data file.</summary>
    private static async Task AppendPartsAsync(FileStream output, string directory, IEnumerable<UploadedPart> parts, CancellationToken cancellationToken)
    {
        var buffer = new byte[CopyBufferSize];
        foreach (var part in parts)
        {
            var inPlace = InPlaceOffsetOf(part);
            var input = new FileStream(inPlace is null ? PartPath(directory, part.Number) : Path.Combine(directory, DataFile),
                FileMode.Open, FileAccess.Read, FileShare.Read, CopyBufferSize, useAsync: true);
            await using (input.ConfigureAwait(false))
            {
                input.Position = inPlace ?? 0;
                for (var left = part.Size; left > 0;)
                {
                    var read = await input.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
                    if (read == 0) throw new IOException($"part {part.Number} ends early");
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    left -= read;
                }
            }
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

    private static void TryDeleteDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for a later abort of orphaned uploads.
        }
    }

    /// <summary>The ETag of a part written into the data file: this prefix, then its offset.</summary>
    private const string InPlaceTag = "@";

    /// <summary>Where part <paramref name="partNumber"/> goes in the data file: right after the last part this store wrote there (or at 0 for the first); null when it must be a file of its own.</summary>
    private long? InPlaceOffset(string uploadId, int partNumber)
    {
        if (partNumber == 1) return 0;
        if (!_lastInPlace.TryGetValue(uploadId, out var last)) return null;
        if (last.Number == partNumber - 1) return last.Offset + last.Size;
        // The same part again (a retried upload) takes its place again.
        return last.Number == partNumber ? last.Offset : null;
    }

    private static long? InPlaceOffsetOf(UploadedPart part) =>
        part.ETag.StartsWith(InPlaceTag, StringComparison.Ordinal) && long.TryParse(part.ETag.AsSpan(InPlaceTag.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var offset)
            ? offset
            : null;

    private static string PartPath(string directory, int number) =>
        Path.Combine(directory, number.ToString("D5", CultureInfo.InvariantCulture));
}
