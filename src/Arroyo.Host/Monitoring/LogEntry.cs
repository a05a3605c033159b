using Microsoft.Extensions.Logging;

namespace Arroyo.Host.Monitoring;

/// <summary>A warning or error of the run, kept for the API (the reference's job log messages).</summary>
public sealed record LogEntry(long Id, DateTimeOffset At, LogLevel Level, string Message, string? Operator = null, int? Subtask = null);
