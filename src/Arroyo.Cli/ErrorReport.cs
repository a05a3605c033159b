using Arroyo.Core.Errors;

namespace Arroyo.Cli;

/// <summary>Renders a failure for a person: what went wrong, where, and who must act.</summary>
public static class ErrorReport
{
    /// <summary>Prints the error and returns the process exit code.</summary>
    public static int Print(Exception error, string? query, TextWriter output)
    {
        error = Unwrap(error);
        switch (error)
        {
            case UserException user:
                output.WriteLine(FormatUserError(user, query));
                return 1;
            case ExternalException external:
                output.WriteLine($"error: {external.Message}");
                if (external.InnerException is { } inner) output.WriteLine($"caused by: {inner.Message}");
                return 1;
            case OutOfMemoryException:
                // Not a bug: the pipeline's state (e.g. every row of a long window, or a join
                // without a TTL) outgrew the memory the process may use.
                output.WriteLine($"error: out of memory: the pipeline's state outgrew the memory available to this process (heap limit {Memory.HeapLimit.DescribeCurrent()})");
                output.WriteLine("hint: give the process more memory (or raise DOTNET_GCHeapHardLimit), use shorter windows, " +
                    "or lower `SET updating_ttl = INTERVAL '…'` for updating joins and aggregates; the last completed checkpoint is intact");
                return 1;
            default:
                output.WriteLine($"internal error (this is a bug in arroyo, please report it): {error.Message}");
                output.WriteLine(error.ToString());
                return 70;
        }
    }

    /// <summary>
    /// <c>error at line L, column C: message</c>, the offending line, a caret under the span,
    /// and the hint; without a span (or query) just <c>error: message</c>.
    /// </summary>
    public static string FormatUserError(UserException error, string? query) =>
        query is not null && error.Span.IsKnown
            ? Sql.SqlErrorFormatter.Format(query, error).TrimEnd('\n')
            : $"error: {error.Message}" + (error.Hint is null ? "" : $"\nhint: {error.Hint}");

    /// <summary>The error's message on one line (for a log line; the full report is <see cref="Print"/>).</summary>
    public static string Describe(Exception error) => Unwrap(error).Message.ReplaceLineEndings(" ");

    internal static Exception Unwrap(Exception error)
    {
        while (error is AggregateException { InnerExceptions.Count: 1 } aggregate) error = aggregate.InnerExceptions[0];
        while (error is System.Reflection.TargetInvocationException { InnerException: { } inner }) error = inner;
        return error;
    }
}
