using Microsoft.Extensions.Logging;

namespace Arroyo.Tests.Shared;

/// <summary>
/// Collects log lines for assertions, thread-safe. A warning is recorded as
/// <c>warning: message</c>, so tests can tell the level from the text.
/// </summary>
public sealed class ListLogger(List<string>? lines = null) : ILogger
{
    public List<string> Lines { get; } = lines ?? [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var text = (logLevel >= LogLevel.Warning ? "warning: " : "") + formatter(state, exception);
        lock (Lines) Lines.Add(text);
    }
}
