using Arroyo.Core.Errors;

namespace Arroyo.Connectors.Builtin.SingleFile;

/// <summary>
/// Turns the I/O failures of a sink file into errors that say what is wrong with which path
/// and who must act: the path (a directory, permissions) is the user's to fix; a full or
/// read-only disk is the machine's. Never "internal error": none of these is a bug.
/// </summary>
internal static class SinkFileErrors
{
    // errno values as .NET reports them in IOException.HResult on Unix.
    private const int NoSpace = 28;
    private const int ReadOnlyFileSystem = 30;
    private const int QuotaExceeded = 122;

    /// <param name="table">The sink table's name.</param>
    public static Exception Describe(Exception error, string path, string table)
    {
        if (Directory.Exists(path))
        {
            return new UserException($"cannot write table '{table}': its path '{path}' is a directory",
                hint: "set path to a file (it is created if missing)");
        }
        var reason = Reason(error);
        return error is UnauthorizedAccessException
            ? new UserException($"cannot write table '{table}' to '{path}': {reason}")
            : new ExternalException($"cannot write table '{table}' to '{path}': {reason}");
    }

    /// <summary>The directory that should hold the file could not be made (a parent is a file, no permission).</summary>
    public static Exception DirectoryFailed(Exception error, string directory, string path, string table)
    {
        var blocker = FirstFileAmongParents(directory);
        var reason = blocker is not null ? $"'{blocker}' is a file, not a directory" : Reason(error);
        return new UserException($"cannot create the directory '{directory}' for table '{table}' (path '{path}'): {reason}");
    }

    private static string Reason(Exception error) => error switch
    {
        UnauthorizedAccessException => "permission denied",
        IOException { HResult: NoSpace or QuotaExceeded } => "no space left on the device",
        IOException { HResult: ReadOnlyFileSystem } => "the file system is read-only",
        // .NET appends " : 'path'" to errno messages; the path is already in ours.
        _ => error.Message.Split(" : '")[0].TrimEnd('.'),
    };

    private static string? FirstFileAmongParents(string directory)
    {
        for (var current = directory; !string.IsNullOrEmpty(current); current = Path.GetDirectoryName(current))
        {
            if (File.Exists(current)) return current;
        }
        return null;
    }
}
