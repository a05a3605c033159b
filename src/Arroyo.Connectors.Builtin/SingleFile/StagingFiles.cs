using System.Globalization;
using Arroyo.Core.Errors;

namespace Arroyo.Connectors.Builtin.SingleFile;

/// <summary>
/// Where single_file sink subtasks stage rows until they are committed: hidden files beside the
/// output, <c>.NAME.SUBTASK.AFTER.staging</c>, one per subtask and checkpoint interval (rows
/// after barrier AFTER). Names depend only on the output path, the subtask index and the epoch,
/// so a restored run (at any parallelism) finds the ones its checkpoint lists.
/// </summary>
internal sealed class StagingFiles
{
    private const string Suffix = ".staging";
    private readonly string _directory;
    private readonly string _prefix;

    public StagingFiles(string outputPath)
    {
        _directory = Path.GetDirectoryName(outputPath) is { Length: > 0 } directory ? directory : ".";
        _prefix = "." + Path.GetFileName(outputPath) + ".";
    }

    public string PathOf(int subtask, long after) =>
        Path.Combine(_directory, string.Create(CultureInfo.InvariantCulture, $"{_prefix}{subtask}.{after}{Suffix}"));

    /// <summary>Every staging file of this output now on disk.</summary>
    public IEnumerable<(int Subtask, long After, string Path)> List()
    {
        if (!Directory.Exists(_directory)) yield break;
        foreach (var path in Directory.EnumerateFiles(_directory, _prefix + "*" + Suffix))
        {
            var name = System.IO.Path.GetFileName(path);
            var middle = name.AsSpan(_prefix.Length, name.Length - _prefix.Length - Suffix.Length);
            var dot = middle.IndexOf('.');
            if (dot > 0 &&
                int.TryParse(middle[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var subtask) &&
                long.TryParse(middle[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var after))
            {
                yield return (subtask, after, path);
            }
        }
    }

    /// <summary>Deletes the staging files <paramref name="which"/> selects (by subtask and epoch).</summary>
    public void Delete(Func<int, long, bool> which)
    {
        foreach (var (subtask, after, path) in List().ToList())
        {
            if (which(subtask, after)) File.Delete(path);
        }
    }

    /// <summary>Appends the first <paramref name="size"/> bytes of a staged part to <paramref name="output"/>.</summary>
    public void CopyInto(FileStream output, int subtask, StagedPart part, long epoch)
    {
        var path = PathOf(subtask, part.After);
        FileStream staged;
        try
        {
            staged = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan);
        }
        catch (FileNotFoundException)
        {
            throw MissingPart(path, part, epoch, "is missing");
        }
        using (staged)
        {
            if (staged.Length < part.Size) throw MissingPart(path, part, epoch, $"has {staged.Length} bytes");
            var buffer = new byte[(int)Math.Min(1 << 20, Math.Max(part.Size, 1))];
            var left = part.Size;
            while (left > 0)
            {
                var read = staged.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
                if (read == 0) throw MissingPart(path, part, epoch, "ended early");
                output.Write(buffer, 0, read);
                left -= read;
            }
        }
    }

    private static ExternalException MissingPart(string path, StagedPart part, long epoch, string what) => new(
        $"cannot commit checkpoint {epoch}: its staged output '{path}' {what}, but the checkpoint recorded {part.Size} bytes " +
        "(was it deleted? the rows it held are lost unless the output is rebuilt from a fresh start with --force)");
}
