using System.Text.RegularExpressions;
using Arroyo.Core.Errors;

namespace Arroyo.Connectors.Options;

/// <summary>
/// The reference's "var-str" option values: in secret-bearing options (endpoints, headers,
/// passwords, keys, certificate paths) <c>{{ NAME }}</c> stands for the environment variable
/// NAME, so secrets stay out of the query. Connectors substitute when they check options and
/// again when a subtask connects, so the plan (and its JSON) keeps the placeholder. A variable
/// that is not set is a user error naming it, never a value.
/// </summary>
public static partial class VarStr
{
    public static string Substitute(string value, TableDefinition definition) =>
        Substitute(value, definition.Name, option: null, definition.Span);

    /// <param name="option">The option the value came from, named in the error when given.</param>
    public static string Substitute(string value, string table, string? option = null, SourceSpan span = default) =>
        Placeholder().Replace(value, m =>
            Environment.GetEnvironmentVariable(m.Groups[1].Value)
            ?? throw new UserException(
                $"environment variable {m.Groups[1].Value} is not set (used by {(option is null ? "" : $"option '{option}' of ")}table '{table}')", span));

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex Placeholder();
}
