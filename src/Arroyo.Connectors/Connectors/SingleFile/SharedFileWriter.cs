namespace Arroyo.Connectors.Connectors.SingleFile;

/// <summary>
/// The one open file behind all subtasks of a single_file sink (process-wide, by full path).
/// Appends are whole lines under a lock, so subtasks never interleave mid-line.
/// Checkpoints: epoch N is <em>sealed</em> when every subtask has arrived at barrier N; a
/// subtask that arrived keeps its later output to itself until then, so at the seal the file
/// holds exactly the rows before barrier N, and that length is what a restore truncates to.
/// The last subtask to arrive learns the length and records it.
/// A run is identified by a token (the run's settings object): the first subtask of a new run
/// opens the file and truncates it (to 0 on a fresh start, to the recorded length on restore).
/// I/O failures (full disk, permissions, a directory at the path) fail the run with an error
/// naming the path; after the first one the writer refuses everything, so no later write can
/// land behind a partly written line. Whatever was written past the last sealed length,
/// partial lines included, is cut off by the truncation of the next run that restores.
/// </summary>
internal sealed class SharedFileWriter
{
    private static readonly Dictionary<string, SharedFileWriter> s_writers = new();

    private readonly object _lock = new();
    private readonly string _path;
    private readonly string _table;
    private readonly Dictionary<long, int> _arrivals = new();
    private FileStream _stream;
    private object _run;
    private int _parallelism;
    private int _references;
    private long _sealedEpoch = long.MinValue;
    private Exception? _failure;

    private SharedFileWriter(string path, string table, FileStream stream, object run, int parallelism)
    {
        _path = path;
        _table = table;
        _stream = stream;
        _run = run;
        _parallelism = parallelism;
    }

    public string Path => _path;

    /// <param name="table">The sink table, for error messages.</param>
    /// <param name="truncateTo">The length to cut the file to when this run opens it (0 on a fresh start).</param>
    public static SharedFileWriter Acquire(string path, string table, object run, int parallelism, long truncateTo)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        lock (s_writers)
        {
            if (s_writers.TryGetValue(fullPath, out var writer))
            {
                lock (writer._lock)
                {
                    if (!ReferenceEquals(writer._run, run))
                    {
                        // A previous run in this process left it open: start over for this run.
                        DisposeQuietly(writer._stream);
                        writer._stream = Open(fullPath, table, truncateTo);
                        writer._failure = null;
                        writer._run = run;
                        writer._parallelism = parallelism;
                        writer._arrivals.Clear();
                        writer._sealedEpoch = long.MinValue;
                        writer._references = 0;
                    }
                    writer._references++;
                    return writer;
                }
            }
            writer = new SharedFileWriter(fullPath, table, Open(fullPath, table, truncateTo), run, parallelism) { _references = 1 };
            s_writers[fullPath] = writer;
            return writer;
        }
    }

    public void Append(ReadOnlySpan<byte> lines)
    {
        if (lines.IsEmpty) return;
        lock (_lock)
        {
            ThrowIfFailed();
            try
            {
                _stream.Write(lines);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Fail(e);
            }
        }
    }

    /// <summary>
    /// This subtask reached barrier <paramref name="epoch"/> with everything before it
    /// appended. Returns the durable length when this was the last subtask to arrive.
    /// </summary>
    public long? Arrive(long epoch)
    {
        lock (_lock)
        {
            var count = _arrivals.GetValueOrDefault(epoch) + 1;
            if (count < _parallelism)
            {
                _arrivals[epoch] = count;
                return null;
            }
            _arrivals.Remove(epoch);
            ThrowIfFailed();
            try
            {
                _stream.Flush(flushToDisk: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Fail(e);
            }
            _sealedEpoch = Math.Max(_sealedEpoch, epoch);
            Monitor.PulseAll(_lock);
            return _stream.Length;
        }
    }

    public bool IsSealed(long epoch)
    {
        lock (_lock) return _sealedEpoch >= epoch;
    }

    /// <summary>Blocks until every subtask has arrived at <paramref name="epoch"/> (they are all moving towards it).</summary>
    public void WaitSealed(long epoch)
    {
        lock (_lock)
        {
            while (_sealedEpoch < epoch)
            {
                // A subtask that failed to write never arrives: fail too rather than wait forever.
                ThrowIfFailed();
                Monitor.Wait(_lock, 100);
            }
        }
    }

    public void Flush()
    {
        lock (_lock)
        {
            ThrowIfFailed();
            try
            {
                _stream.Flush();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw Fail(e);
            }
        }
    }

    public void Release()
    {
        lock (s_writers)
        {
            lock (_lock)
            {
                // After a failure the run is failing already: one error is enough, and the
                // buffered rest is dropped (a restore truncates past the sealed length anyway).
                if (_failure is null)
                {
                    try
                    {
                        _stream.Flush(flushToDisk: true);
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        _failure = SinkFileErrors.Describe(e, _path, _table);
                        if (--_references <= 0) Forget();
                        throw _failure;
                    }
                }
                if (--_references > 0) return;
            }
            Forget();
        }
    }

    /// <summary>Closes the file and drops it from the process-wide table; under <c>s_writers</c>.</summary>
    private void Forget()
    {
        DisposeQuietly(_stream);
        s_writers.Remove(_path);
    }

    private Exception Fail(Exception error)
    {
        _failure = SinkFileErrors.Describe(error, _path, _table);
        Monitor.PulseAll(_lock);
        return _failure;
    }

    private void ThrowIfFailed()
    {
        if (_failure is not null) throw new Arroyo.Core.Errors.ExternalException($"table '{_table}': writing '{_path}' failed earlier: {_failure.Message}");
    }

    private static void DisposeQuietly(FileStream stream)
    {
        try
        {
            stream.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Disposing flushes what is still buffered; after a failed write that fails again.
        }
    }

    private static FileStream Open(string path, string table, long truncateTo)
    {
        var directory = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
        {
            try
            {
                Directory.CreateDirectory(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw SinkFileErrors.DirectoryFailed(e, directory, path, table);
            }
        }
        try
        {
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
            if (stream.Length > truncateTo) stream.SetLength(truncateTo);
            stream.Seek(0, SeekOrigin.End);
            return stream;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SinkFileErrors.Describe(e, path, table);
        }
    }
}
