using System.Text.RegularExpressions;
using Arroyo.Core.Errors;

namespace Arroyo.Connectors.Http.Common;

/// <summary>
/// The reference's <c>var-str</c> option format: <c>{{ NAME }}</c> stands for the environment
/// variable NAME. Tables keep the text as written (so the plan holds no secret taken from the
/// environment) and substitute when binding, to check, and again when a subtask starts.
/// </summary>
internal static partial class VarStr
{
    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex Placeholder();

    /// <summary>The text with every placeholder replaced; a variable that is not set is a user error naming it (never its value).</summary>
    public static string Substitute(string text, string option, string table) =>
        Placeholder().Replace(text, m =>
            Environment.GetEnvironmentVariable(m.Groups[1].Value)
            ?? throw new UserException($"environment variable {m.Groups[1].Value} is not set (used by option '{option}' of table '{table}')"));
}
