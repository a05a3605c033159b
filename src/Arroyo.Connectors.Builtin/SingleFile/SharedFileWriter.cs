namespace Arroyo.Connectors.Builtin.SingleFile;

/// <summary>
/// The one open file behind all subtasks of a single_file sink (process-wide, by full path).
/// Appends are whole lines under a lock, so subtasks never interleave mid-line.
/// Checkpoints: epoch N is <em>sealed</em> when every subtask has arrived at barrier N; a
/// subtask that arrived keeps its later output to itself until then, so at the seal the file
/// holds exactly the rows before barrier N, and that length is what a restore truncates to.
/// The last subtask to arrive learns the length and records it.
/// A run is identified by a token (the run's settings object): the first subtask of a new run
/// opens the file and truncates it (to 0 on a fresh start, to the recorded length on restore).
/// </summary>
internal sealed class SharedFileWriter
{
    private static readonly Dictionary<string, SharedFileWriter> s_writers = new();

    private readonly object _lock = new();
    private readonly string _path;
    private readonly Dictionary<long, int> _arrivals = new();
    private FileStream _stream;
    private object _run;
    private int _parallelism;
    private int _references;
    private long _sealedEpoch = long.MinValue;

    private SharedFileWriter(string path, FileStream stream, object run, int parallelism)
    {
        _path = path;
        _stream = stream;
        _run = run;
        _parallelism = parallelism;
    }

    public string Path => _path;

    /// <param name="truncateTo">The length to cut the file to when this run opens it (0 on a fresh start).</param>
    public static SharedFileWriter Acquire(string path, object run, int parallelism, long truncateTo)
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
                        writer._stream.Dispose();
                        writer._stream = Open(fullPath, truncateTo);
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
            writer = new SharedFileWriter(fullPath, Open(fullPath, truncateTo), run, parallelism) { _references = 1 };
            s_writers[fullPath] = writer;
            return writer;
        }
    }

    public void Append(ReadOnlySpan<byte> lines)
    {
        if (lines.IsEmpty) return;
        lock (_lock) _stream.Write(lines);
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
            _stream.Flush(flushToDisk: true);
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
            while (_sealedEpoch < epoch) Monitor.Wait(_lock, 100);
        }
    }

    public void Flush()
    {
        lock (_lock) _stream.Flush();
    }

    public void Release()
    {
        lock (s_writers)
        {
            lock (_lock)
            {
                _stream.Flush(flushToDisk: true);
                if (--_references > 0) return;
                _stream.Dispose();
            }
            s_writers.Remove(_path);
        }
    }

    private static FileStream Open(string path, long truncateTo)
    {
        var directory = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
        if (stream.Length > truncateTo) stream.SetLength(truncateTo);
        stream.Seek(0, SeekOrigin.End);
        return stream;
    }
}
