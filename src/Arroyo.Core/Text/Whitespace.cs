using System.Text;

namespace Arroyo.Core.Text;

/// <summary>
/// Whitespace runs collapsed without a regular expression. The planner (names of unaliased
/// select items) and the state dir (the query hash) do this at every start, where building
/// and interpreting a <c>Regex</c> cost more CPU than the text they touch.
/// </summary>
public static class Whitespace
{
    /// <summary>
    /// <paramref name="text"/> with every run of white-space characters replaced by one space:
    /// what <c>Regex.Replace(text, @"\s+", " ")</c> returns (<c>\s</c> is <see cref="char.IsWhiteSpace(char)"/>),
    /// so hashes of existing state dirs stay the same.
    /// </summary>
    public static string CollapseRuns(string text)
    {
        StringBuilder? builder = null;
        var previousWasSpace = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!char.IsWhiteSpace(c))
            {
                builder?.Append(c);
                previousWasSpace = false;
                continue;
            }
            // A lone ' ' stays as it is; anything else (another white-space character, a run) is rewritten.
            if (builder is null && (c != ' ' || previousWasSpace))
            {
                builder = new StringBuilder(text.Length).Append(text, 0, previousWasSpace ? i - 1 : i);
                previousWasSpace = false;
            }
            if (builder is not null && !previousWasSpace) builder.Append(' ');
            previousWasSpace = true;
        }
        return builder?.ToString() ?? text;
    }
}
