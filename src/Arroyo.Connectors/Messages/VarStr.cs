using System.Text.RegularExpressions;
using Arroyo.Core.Errors;

namespace Arroyo.Connectors.Messages;

/// <summary>
/// The reference's "var-str" option values: <c>{{ NAME }}</c> stands for the environment
/// variable NAME, so secrets need not be written in the query. Substituted when a subtask
/// connects, never at planning, so the plan (and its JSON) keeps the placeholder.
/// </summary>
public static partial class VarStr
{
    public static string Substitute(string value, string table) =>
        Placeholder().Replace(value, m =>
            Environment.GetEnvironmentVariable(m.Groups[1].Value)
            ?? throw new UserException($"environment variable {m.Groups[1].Value} is not set (used by table '{table}')"));

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex Placeholder();
}
