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

    public void Error(string message) => Write("ERROR", message);

    public bool IsDebugEnabled => _debug;

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
