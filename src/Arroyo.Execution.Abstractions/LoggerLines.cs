using Microsoft.Extensions.Logging;

namespace Arroyo.Execution;

/// <summary>
/// The engine's log lines are composed text, not message templates (they may hold braces, e.g.
/// a JSON value in an error): these log them as they are, at their level.
/// </summary>
public static class LoggerLines
{
    public static void Info(this ILogger logger, string message) => logger.LogInformation("{Message}", message);

    public static void Warn(this ILogger logger, string message) => logger.LogWarning("{Message}", message);
}
