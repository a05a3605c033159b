using Arroyo.Core.Errors;

namespace Arroyo.Cli.Commands;

/// <summary>Reads the files a user names on the command line (query, config), failing with what is wrong with the path.</summary>
internal static class InputFiles
{
    /// <param name="what">What the file is, for the message: "query file", "config file".</param>
    public static string ReadText(string path, string what)
    {
        if (Directory.Exists(path)) throw new UserException($"{what} '{path}' is a directory, not a file");
        if (!File.Exists(path)) throw new UserException($"{what} '{path}' does not exist");
        try
        {
            return File.ReadAllText(path);
        }
        catch (UnauthorizedAccessException)
        {
            throw new UserException($"{what} '{path}' cannot be read: permission denied");
        }
        catch (IOException error)
        {
            throw new UserException($"{what} '{path}' cannot be read: {error.Message}");
        }
    }
}
