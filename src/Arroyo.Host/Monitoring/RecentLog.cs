using Microsoft.Extensions.Logging;

namespace Arroyo.Host.Monitoring;

/// <summary>The last warnings and errors of a run, oldest first. Thread-safe.</summary>
public sealed class RecentLog
{
    private readonly int _capacity;
    private readonly Queue<LogEntry> _entries = new();
    private readonly TimeProvider _time;
    private long _nextId;

    public RecentLog(TimeProvider time, int capacity = 200)
    {
        _time = time;
        _capacity = capacity;
    }

    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_entries) return _entries.ToArray();
        }
    }

    public void Add(LogLevel level, string message, string? @operator = null, int? subtask = null)
    {
        lock (_entries)
        {
            _entries.Enqueue(new LogEntry(++_nextId, _time.GetUtcNow(), level, message, @operator, subtask));
            while (_entries.Count > _capacity) _entries.Dequeue();
        }
    }
}

/// <summary>Passes every line on to the run's logger and keeps the warnings and errors in a <see cref="RecentLog"/>.</summary>
internal sealed class CapturingLogger(ILogger inner, RecentLog recent) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning || inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (logLevel is >= LogLevel.Warning and < LogLevel.None)
        {
            var message = formatter(state, exception);
            recent.Add(logLevel, exception is null ? message : $"{message}: {exception.Message}");
        }
        if (inner.IsEnabled(logLevel)) inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
