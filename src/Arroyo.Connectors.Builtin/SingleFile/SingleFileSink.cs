using Arroyo.Core;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Builtin.SingleFile;

/// <summary>
/// Appends one line per row to the file, exactly once across restarts, by two-phase commit.
/// Subtask 0 owns the file. At parallelism 1 it appends directly; at each barrier the file is
/// fsynced and its length pre-committed, and a restore (the replayed commit) truncates the file
/// to that length, removing output the replay will produce again. At parallelism p &gt; 1 the
/// other subtasks write their rows to staging files (one per subtask and checkpoint interval,
/// see <see cref="StagingFiles"/>), fsynced and pre-committed at the barrier; once the manifest
/// is durable subtask 0 appends every staged part of the checkpoint at the pre-committed length,
/// in subtask order, and deletes them. Between a barrier and its commit subtask 0 stages its own
/// rows as well, so nothing lands after the length the commit appends at.
/// </summary>
/// <remarks>
/// A commit is idempotent: a file at least as long as the length the commit produces is cut to
/// it (the commit happened, and whatever followed it is after the checkpoint); a shorter one is
/// cut to the pre-committed length and the parts are appended again. Staged parts are deleted
/// only after the file holding them is fsynced, so a replay finds them. A fresh start truncates
/// the file to empty. I/O failures (a full or read-only disk, no permission, a directory at
/// the path) fail the run with an error naming the path (<see cref="SinkFileErrors"/>); a
/// record half-written when the disk filled lies past the committed length, and the next
/// run's replay cuts it off.
/// </remarks>
internal sealed class SingleFileSink : IOperator
{
    private readonly string _path;
    private readonly string _table;
    private readonly RecordEncoder _encoder;
    private readonly ByteBuffer _buffer = new();
    private readonly StagingFiles _staging;
    private readonly List<StagedPart> _pending = [];
    private int _subtask;
    private int _parallelism;

    // Subtask 0 only: the output file.
    private FileStream? _file;

    // The staging file being written (rows after barrier _stagingAfter), if any.
    private FileStream? _stagingFile;
    private long _stagingAfter;

    // The last barrier passed (the restored epoch, or 0, at the start).
    private long _lastBarrier;

    // Subtask 0 at p > 1: a barrier passed whose commit has not come yet.
    private bool _commitPending;

    // A write failed: the run is failing, and Close must not write again.
    private bool _failed;

    public SingleFileSink(ConnectorTable table, Schema input, IReadOnlyList<int>? updateKeys)
    {
        _path = Path.GetFullPath(((SingleFileConfig)table.Config).Path);
        _table = table.Name;
        _encoder = RecordEncoder.Create(table.Format ?? new FormatSettings(FormatKind.Json), input, updateKeys);
        _staging = new StagingFiles(_path);
    }

    private bool WritesDirectly => _subtask == 0 && (_parallelism == 1 || (!_commitPending && _pending.Count == 0));

    public void Open(OperatorContext context)
    {
        _subtask = context.SubtaskIndex;
        _parallelism = context.Parallelism;
        _lastBarrier = context.State.Epoch ?? 0;
        var directory = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
        {
            try
            {
                Directory.CreateDirectory(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw SinkFileErrors.DirectoryFailed(e, directory, _path, _table);
            }
        }
        Guarded(_path, OpenFiles, context);
    }

    private void OpenFiles(OperatorContext context)
    {
        // Staged rows after the restored barrier are not in the checkpoint: its replay brings
        // them again. (Parts from before it are the replayed commit's, and subtask 0's to delete.)
        _staging.Delete((subtask, after) => after >= _lastBarrier && (subtask == _subtask || (_subtask == 0 && subtask >= _parallelism)));
        if (_subtask != 0) return;
        _file = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite, 1 << 16);
        // A restore cuts the file in the replayed commit; a fresh start begins empty.
        if (context.State.Epoch is null) _file.SetLength(0);
        _file.Seek(0, SeekOrigin.End);
    }

    // Encodes each batch into its own buffer during the call (a source in front may reuse its arrays).
    public bool RetainsInput => false;

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        _encoder.Encode(batch, _buffer);
        try
        {
            WriteBuffer();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _failed = true;
            throw SinkFileErrors.Describe(e, _path, _table);
        }
    }

    /// <summary>Runs file I/O on <paramref name="path"/>; a failure becomes the run's error, naming the path.</summary>
    private void Guarded<T>(string path, Action<T> io, T argument)
    {
        try
        {
            io(argument);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _failed = true;
            throw SinkFileErrors.Describe(e, path, _table);
        }
    }

    public void OnWatermark(Watermark watermark, IOutput output)
    {
    }

    public byte[]? PreCommit(CheckpointBarrier barrier)
    {
        byte[]? data = null;
        Guarded(_path, b => data = PreCommitFiles(b), barrier);
        return data;
    }

    private byte[] PreCommitFiles(CheckpointBarrier barrier)
    {
        WriteBuffer();
        if (_stagingFile is not null)
        {
            _stagingFile.Flush(flushToDisk: true);
            _pending.Add(new StagedPart(_stagingAfter, _stagingFile.Length));
            _stagingFile.Dispose();
            _stagingFile = null;
        }
        long length = -1;
        if (_file is not null)
        {
            _file.Flush(flushToDisk: true);
            length = _file.Length;
            // The other subtasks' parts go in at this length when the commit comes: until then
            // this subtask's own rows wait in a staging file too.
            _commitPending = _parallelism > 1;
        }
        _lastBarrier = barrier.Epoch;
        return new SinkCommit(length, _pending.ToList()).Encode();
    }

    public void OnCommit(long epoch, CommitData data) => Guarded(_path, d => Commit(epoch, d), data);

    private void Commit(long epoch, CommitData data)
    {
        if (data.IsReplay)
        {
            if (_subtask == 0) Replay(epoch, data);
            return;
        }
        // Commit N covers every part closed before barrier N (those of a failed checkpoint too).
        _pending.RemoveAll(p => p.After < epoch);
        if (_file is null) return;
        var commits = Decode(epoch, data);
        var own = commits[0];
        if (commits.Values.Any(c => c.Parts.Count > 0))
        {
            if (_file.Length != own.Base)
            {
                throw new ExternalException($"'{_path}' changed while the pipeline was writing it: {_file.Length} bytes where checkpoint {epoch} expects {own.Base}");
            }
            Append(epoch, commits);
        }
        _staging.Delete((_, after) => after < epoch);
        if (_parallelism > 1) ResumeDirectWrites();
    }

    public void OnEnd(IOutput output) => Guarded(_path, _ => WriteBuffer(), 0);

    public void Close()
    {
        // The run is over (ended, stopped or failed). What was not committed is cut or
        // ignored by the next run's replay.
        if (_failed)
        {
            // One error is enough; what is still buffered is past the committed length anyway.
            DisposeQuietly(_stagingFile);
            DisposeQuietly(_file);
        }
        else
        {
            Guarded(_path, _ =>
            {
                WriteBuffer();
                _stagingFile?.Dispose();
                _stagingFile = null;
                _file?.Flush(flushToDisk: true);
                _file?.Dispose();
            }, 0);
        }
        _stagingFile = null;
        _file = null;
    }

    private static void DisposeQuietly(FileStream? stream)
    {
        try
        {
            stream?.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Disposing flushes what is still buffered; after a failed write that fails again.
        }
    }

    /// <summary>The restored checkpoint's commit, again: the previous run may have died before or during it.</summary>
    private void Replay(long epoch, CommitData data)
    {
        var commits = Decode(epoch, data);
        var committed = commits[0].Base + commits.Values.Sum(c => c.Bytes);
        if (_file!.Length >= committed)
        {
            // Committed already: what follows is output after the checkpoint, which the replay produces again.
            _file.SetLength(committed);
        }
        else
        {
            Append(epoch, commits);
        }
        _file.Flush(flushToDisk: true);
        _file.Seek(0, SeekOrigin.End);
        _staging.Delete((_, after) => after < epoch);
    }

    /// <summary>Cuts the file to the pre-committed length and appends every staged part, fsynced.</summary>
    private void Append(long epoch, SortedDictionary<int, SinkCommit> commits)
    {
        _file!.SetLength(commits[0].Base);
        _file.Seek(0, SeekOrigin.End);
        foreach (var (subtask, commit) in commits)
        {
            foreach (var part in commit.Parts.OrderBy(p => p.After)) _staging.CopyInto(_file, subtask, part, epoch);
        }
        _file.Flush(flushToDisk: true);
    }

    /// <summary>After its commit, subtask 0's rows staged since the barrier go to the file, and later ones straight there.</summary>
    private void ResumeDirectWrites()
    {
        _commitPending = false;
        if (_stagingFile is null) return;
        var part = new StagedPart(_stagingAfter, _stagingFile.Length);
        _stagingFile.Dispose();
        _stagingFile = null;
        _staging.CopyInto(_file!, 0, part, _lastBarrier);
        // Visible now (not durable: the next barrier fsyncs), and the part can go.
        _file!.Flush();
        File.Delete(_staging.PathOf(0, part.After));
    }

    private SortedDictionary<int, SinkCommit> Decode(long epoch, CommitData data)
    {
        var commits = new SortedDictionary<int, SinkCommit>();
        foreach (var (subtask, bytes) in data.BySubtask) commits[subtask] = SinkCommit.Decode(bytes);
        if (!commits.TryGetValue(0, out var first) || first.Base < 0)
        {
            // The commit record is missing when the checkpoint was written by a plan that put another
            // operator at this node: this build cannot restore it (StateFormatException, which
            // --force turns into a fresh start).
            throw new StateFormatException($"checkpoint {epoch} holds no commit record of the single_file sink writing '{_path}', so its output cannot be restored; " +
                "start from a new state dir, or pass --force to discard the state and start fresh");
        }
        return commits;
    }

    private void WriteBuffer()
    {
        if (_buffer.Length == 0) return;
        if (_failed) throw new ExternalException($"table '{_table}': writing '{_path}' failed earlier");
        if (WritesDirectly)
        {
            _file!.Write(_buffer.Written);
        }
        else
        {
            if (_stagingFile is null)
            {
                _stagingAfter = _lastBarrier;
                _stagingFile = new FileStream(_staging.PathOf(_subtask, _stagingAfter), FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16);
            }
            _stagingFile.Write(_buffer.Written);
        }
        _buffer.Clear();
    }
}
