using Arroyo.Core.Errors;

namespace Arroyo.Sql;

/// <summary>
/// The SQL text could not be parsed. <see cref="UserException.Span"/> points at the offending
/// token (a zero-width span at the end of the text for "unexpected end of input").
/// </summary>
public sealed class SqlParseException : UserException
{
    public SqlParseException(string message, SourceSpan span, string? hint = null)
        : base(message, span, hint)
    {
    }
}
