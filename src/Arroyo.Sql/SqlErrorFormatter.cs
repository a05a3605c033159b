using System.Text;
using Arroyo.Core.Errors;

namespace Arroyo.Sql;

/// <summary>
/// Renders any <see cref="UserException"/> (parse, binding or planning error) against the SQL
/// text it came from:
/// <code>
/// error at line 3, column 8: expected ')' but found 'FROM'
/// SELECT (a FROM t
///           ^^^^
/// hint: ...
/// </code>
/// Errors without a known span print only the message and hint.
/// </summary>
public static class SqlErrorFormatter
{
    public static string Format(string sql, UserException error)
    {
        ArgumentNullException.ThrowIfNull(sql);
        ArgumentNullException.ThrowIfNull(error);
        var text = new StringBuilder();
        var span = error.Span;
        if (!span.IsKnown || span.Start > sql.Length)
        {
            text.Append("error: ").Append(error.Message);
        }
        else
        {
            text.Append("error at line ").Append(span.Line).Append(", column ").Append(span.Column)
                .Append(": ").Append(error.Message).Append('\n');
            AppendSourceLine(text, sql, span);
        }
        if (!string.IsNullOrEmpty(error.Hint)) text.Append('\n').Append("hint: ").Append(error.Hint);
        return text.ToString();
    }

    private static void AppendSourceLine(StringBuilder text, string sql, SourceSpan span)
    {
        // Find the line from the offset rather than trusting Line, so spans made by other phases
        // with only offsets still render at the right place.
        var lineStart = span.Start == 0 ? 0 : sql.LastIndexOf('\n', Math.Min(span.Start, sql.Length) - 1) + 1;
        var lineEnd = sql.IndexOf('\n', lineStart);
        if (lineEnd < 0) lineEnd = sql.Length;
        var line = sql[lineStart..lineEnd].TrimEnd('\r');
        text.Append(line).Append('\n');

        // Copy tabs from the source so the caret lines up however tabs are displayed.
        var column = Math.Min(span.Start - lineStart, line.Length);
        for (var i = 0; i < column; i++) text.Append(line[i] == '\t' ? '\t' : ' ');

        // Underline the span, but only its part on this line; always at least one caret (the
        // end-of-input span is empty).
        var width = Math.Max(1, Math.Min(span.End, lineStart + line.Length) - span.Start);
        text.Append('^', width);
    }
}
