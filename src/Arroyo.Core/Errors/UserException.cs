namespace Arroyo.Core.Errors;

/// <summary>
/// A mistake the user must fix: bad SQL, options, data or state dir. The CLI prints it as
/// one paragraph (with the SQL line and a caret when <see cref="Span"/> is known) and exits
/// non-zero, never with a stack trace.
/// </summary>
public class UserException : Exception
{
    public UserException(string message, SourceSpan span = default, string? hint = null, Exception? inner = null)
        : base(message, inner)
    {
        Span = span;
        Hint = hint;
    }

    public SourceSpan Span { get; }

    public string? Hint { get; }
}

/// <summary>
/// An outside system failed (a bucket or broker unreachable, a file unreadable). Retried
/// where that makes sense, then reported without a stack trace.
/// </summary>
public class ExternalException : Exception
{
    public ExternalException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>
    /// False when restarting the pipeline from its last checkpoint cannot help: the system was
    /// never reached in this run after the connector's own retries, or it refused the same
    /// record for good. Such a failure ends the run at once (pipeline.allowed-restarts aside).
    /// </summary>
    public bool Restartable { get; init; } = true;
}
