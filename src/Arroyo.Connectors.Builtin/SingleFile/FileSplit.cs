namespace Arroyo.Connectors.Builtin.SingleFile;

/// <summary>
/// A byte range of a newline-delimited file: the records whose first byte lies in
/// [<see cref="Start"/>, <see cref="End"/>). A line that starts inside the range belongs to it
/// even when it runs past <see cref="End"/>; a line that started before <see cref="Start"/>
/// does not. So ranges that tile the file hand out every line exactly once wherever they are
/// cut, and a range whose <see cref="Start"/> is moved forward to the next unread line (the
/// checkpointed position) still means "what is left to read". <see cref="End"/> is
/// <see cref="long.MaxValue"/> for the range that runs to the end of the file, so lines
/// appended after the split was made are read too.
/// </summary>
internal readonly record struct FileSplit(long Start, long End)
{
    public const long ToEndOfFile = long.MaxValue;

    /// <summary>Bytes left to read when the file is <paramref name="fileSize"/> long (an estimate for balancing).</summary>
    public long Length(long fileSize) => Math.Max(0, Math.Min(End, fileSize) - Start);
}

/// <summary>
/// Which byte ranges each subtask reads: a pure function of what is left (the whole file on a
/// fresh start, the checkpointed ranges on a restore), the file size and the parallelism, so
/// every subtask computes the same assignment without talking to the others.
/// </summary>
internal static class FileSplits
{
    /// <summary>
    /// The ranges subtask <paramref name="subtask"/> of <paramref name="parallelism"/> reads.
    /// Unfinished ranges are cut (largest first) until there is one per subtask, then handed
    /// out largest first to the subtask with the fewest bytes so far.
    /// </summary>
    public static List<FileSplit> For(int subtask, int parallelism, IEnumerable<FileSplit> remaining, long fileSize)
    {
        var pieces = remaining.Where(s => s.Start < s.End).Distinct().OrderBy(s => s.Start).ToList();
        while (pieces.Count < parallelism)
        {
            var largest = 0;
            for (var i = 1; i < pieces.Count; i++)
            {
                if (pieces[i].Length(fileSize) > pieces[largest].Length(fileSize)) largest = i;
            }
            if (pieces.Count == 0 || pieces[largest].Length(fileSize) < 2) break;
            // Cut into as many equal parts as subtasks still lack one (all of them on a fresh start).
            var split = pieces[largest];
            var length = split.Length(fileSize);
            var parts = (int)Math.Min(parallelism - pieces.Count + 1, length);
            var cuts = Enumerable.Range(1, parts - 1).Select(k => split.Start + length * k / parts).ToList();
            var replaced = cuts.Prepend(split.Start).Zip(cuts.Append(split.End), (start, end) => new FileSplit(start, end));
            pieces.RemoveAt(largest);
            pieces.InsertRange(largest, replaced);
        }
        var load = new long[parallelism];
        var mine = new List<FileSplit>();
        foreach (var piece in pieces.OrderByDescending(p => p.Length(fileSize)).ThenBy(p => p.Start))
        {
            var target = 0;
            for (var i = 1; i < parallelism; i++)
            {
                if (load[i] < load[target]) target = i;
            }
            // An empty piece still counts, so that pieces of a file too small to share spread out.
            load[target] += Math.Max(1, piece.Length(fileSize));
            if (target == subtask) mine.Add(piece);
        }
        mine.Sort((a, b) => a.Start.CompareTo(b.Start));
        return mine;
    }

    /// <summary>The whole file as one range (a fresh start): <see cref="For"/> cuts it.</summary>
    public static FileSplit WholeFile => new(0, FileSplit.ToEndOfFile);
}
