using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Arroyo.Cli;

/// <summary>How log lines are written: <c>logging.format</c> = plaintext (default), json or logfmt, as in the reference.</summary>
public enum LogFormat
{
    Plaintext,
    Json,
    Logfmt,
}

/// <summary>
/// Log lines on stderr (stdout is for results). Thread-safe. On a terminal it can also keep
/// one status line at the bottom (<see cref="SetStatus"/>): each log line is written over
/// it and the status is drawn again below, so the two never interleave.
/// </summary>
public sealed class Log
{
    // Carriage return, then erase the whole line.
    private const string EraseLine = "\r\u001b[2K";

    private readonly TextWriter _writer;
    private readonly object _lock = new();
    private string? _status;

    public Log(TextWriter writer, bool debug)
    {
        _writer = writer;
        MinimumLevel = debug ? LogLevel.Debug : LogLevel.Information;
    }

    /// <summary>Lines below this level are dropped (<c>logging.level</c>, or <c>ARROYO__DEBUG=1</c> for debug).</summary>
    public LogLevel MinimumLevel { get; set; }

    public LogFormat Format { get; set; } = LogFormat.Plaintext;

    public void Info(string message) => Write(LogLevel.Information, message);

    public void Warn(string message) => Write(LogLevel.Warning, message);

    public void Error(string message) => Write(LogLevel.Error, message);

    public bool IsDebugEnabled => IsEnabled(LogLevel.Debug);

    public bool IsEnabled(LogLevel level) => level != LogLevel.None && level >= MinimumLevel;

    public void Debug(string message) => Write(LogLevel.Debug, message);

    public void Write(LogLevel level, string message)
    {
        if (!IsEnabled(level)) return;
        var line = FormatLine(DateTime.UtcNow, level, message);
        lock (_lock)
        {
            if (_status is not null) _writer.Write(EraseLine);
            _writer.WriteLine(line);
            if (_status is not null) _writer.Write(_status);
            _writer.Flush();
        }
    }

    /// <summary>
    /// Shows <paramref name="status"/> as the last line (the caller checked that stderr is a
    /// terminal); null removes it.
    /// </summary>
    public void SetStatus(string? status)
    {
        lock (_lock)
        {
            if (_status is null && status is null) return;
            _writer.Write(EraseLine);
            if (status is not null) _writer.Write(status);
            _status = status;
            _writer.Flush();
        }
    }

    private string FormatLine(DateTime time, LogLevel level, string message)
    {
        var stamp = $"{time:yyyy-MM-ddTHH:mm:ss.fffZ}";
        switch (Format)
        {
            case LogFormat.Json:
                // The fields of the reference's JSON logs (tracing-subscriber): timestamp, level, fields.message, target.
                var buffer = new MemoryStream();
                // Relaxed escaping: messages hold SQL and paths ('<', quotes) that readers should see as they are.
                using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                {
                    json.WriteStartObject();
                    json.WriteString("timestamp", stamp);
                    json.WriteString("level", LevelName(level));
                    json.WriteStartObject("fields");
                    json.WriteString("message", message);
                    json.WriteEndObject();
                    json.WriteString("target", "arroyo");
                    json.WriteEndObject();
                }
                return Encoding.UTF8.GetString(buffer.ToArray());
            case LogFormat.Logfmt:
                return $"ts={stamp} level={LevelName(level).ToLowerInvariant()} target=arroyo msg=\"{message.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n")}\"";
            default:
                return $"{stamp} {LevelName(level)} {message}";
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "TRACE",
        LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARN",
        _ => "ERROR",
    };
}
