using System.Text.RegularExpressions;
using Arroyo.Core.Errors;

namespace Arroyo.Connectors.Options;

/// <summary>
/// The reference's VarStr: in secret-bearing options (passwords, keys, certificate paths)
/// <c>{{ NAME }}</c> stands for the environment variable NAME, so secrets stay out of the query.
/// </summary>
public static partial class VarStr
{
    public static string Substitute(string value, TableDefinition definition) =>
        Pattern().Replace(value, m =>
            Environment.GetEnvironmentVariable(m.Groups[1].Value)
            ?? throw new UserException($"environment variable {m.Groups[1].Value} is not set (used by table '{definition.Name}')", definition.Span));

    [GeneratedRegex(@"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")]
    private static partial Regex Pattern();
}
