namespace Arroyo.Host;

/// <summary>
/// The engine and the state dir log through a plain string callback, with no level; a line
/// that is a warning says so by starting with <c>warning:</c> (after an operator's
/// <c>[name i/n]</c> tag, if any). Such lines are logged at warning level, without the prefix.
/// </summary>
public static class EngineLogLine
{
    private const string Prefix = "warning:";

    /// <summary>The line without its <c>warning:</c> prefix, or null when it is not a warning.</summary>
    public static string? Warning(string message)
    {
        var start = message.StartsWith('[') && message.IndexOf("] ", StringComparison.Ordinal) is >= 0 and var close ? close + 2 : 0;
        if (string.Compare(message, start, Prefix, 0, Prefix.Length, StringComparison.OrdinalIgnoreCase) != 0) return null;
        return message[..start] + message[(start + Prefix.Length)..].TrimStart();
    }
}
