namespace Arroyo.Cli;

/// <summary>Log lines on stderr (stdout is for results). Thread-safe.</summary>
public sealed class Log
{
    private readonly TextWriter _writer;
    private readonly bool _debug;
    private readonly object _lock = new();

    public Log(TextWriter writer, bool debug)
    {
        _writer = writer;
        _debug = debug;
    }

    public void Info(string message) => Write("INFO", message);

    public void Warn(string message) => Write("WARN", message);

    /// <summary>
    /// A line from the engine, whose log callbacks carry no level: those that start with
    /// <c>warning:</c> (after an operator's <c>[name i/n]</c> tag, if any) are warnings and are
    /// logged as such without the prefix, the rest as info.
    /// </summary>
    public void Message(string message)
    {
        var start = message.StartsWith('[') && message.IndexOf("] ", StringComparison.Ordinal) is >= 0 and var close ? close + 2 : 0;
        if (string.Compare(message, start, WarningPrefix, 0, WarningPrefix.Length, StringComparison.OrdinalIgnoreCase) == 0)
        {
            Warn(message[..start] + message[(start + WarningPrefix.Length)..].TrimStart());
        }
        else
        {
            Info(message);
        }
    }

    private const string WarningPrefix = "warning:";

    public void Debug(string message)
    {
        if (_debug) Write("DEBUG", message);
    }

    private void Write(string level, string message)
    {
        lock (_lock)
        {
            _writer.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {level} {message}");
            _writer.Flush();
        }
    }
}
