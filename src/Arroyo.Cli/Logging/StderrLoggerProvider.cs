using Microsoft.Extensions.Logging;

namespace Arroyo.Cli.Logging;

/// <summary>
/// Puts <see cref="ILogger"/> output on stderr through <see cref="Log"/> (its format and level:
/// <c>logging.format</c>, <c>logging.level</c>).
/// </summary>
public sealed class StderrLoggerProvider(Log log) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new StderrLogger(log);

    public void Dispose()
    {
    }

    private sealed class StderrLogger(Log log) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => log.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            if (exception is not null) message += ": " + exception.Message;
            log.Write(logLevel, message);
        }
    }
}
