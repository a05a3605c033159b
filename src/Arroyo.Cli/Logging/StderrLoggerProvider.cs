using Microsoft.Extensions.Logging;

namespace Arroyo.Cli.Logging;

/// <summary>
/// Puts <see cref="ILogger"/> output in the CLI's stderr format (<c>time LEVEL message</c>,
/// see <see cref="Log"/>). Debug lines appear only with <c>ARROYO__DEBUG=1</c>.
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

        public bool IsEnabled(LogLevel logLevel) => logLevel switch
        {
            LogLevel.None => false,
            LogLevel.Trace or LogLevel.Debug => log.IsDebugEnabled,
            _ => true,
        };

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var message = formatter(state, exception);
            if (exception is not null) message += ": " + exception.Message;
            switch (logLevel)
            {
                case LogLevel.Trace or LogLevel.Debug:
                    log.Debug(message);
                    break;
                case LogLevel.Information:
                    log.Info(message);
                    break;
                case LogLevel.Warning:
                    log.Warn(message);
                    break;
                default:
                    log.Error(message);
                    break;
            }
        }
    }
}
