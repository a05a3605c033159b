using Microsoft.Extensions.Logging;

namespace Arroyo.Cli.Logging;

/// <summary>
/// Puts <see cref="ILogger"/> output on stderr through <see cref="Log"/> (its format and level:
/// <c>logging.format</c>, <c>logging.level</c>; the level is checked by the logger itself).
/// </summary>
/// <remarks>
/// The CLI's one logging destination, so a factory of its own rather than Microsoft.Extensions.Logging's
/// <c>LoggerFactory</c> with one provider: that factory's provider lists, filter rules and logger
/// wrappers were JIT-compiled (~30 methods) and two more assemblies loaded at every start
/// (bench/NOTES.md, session 20), to hand out loggers that end here anyway.
/// </remarks>
public sealed class StderrLoggerFactory(Log log) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new StderrLogger(log);

    public void AddProvider(ILoggerProvider provider) =>
        throw new NotSupportedException("the CLI logs to stderr only: no other logging provider can be added");

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
