using Arroyo.Core.Errors;

namespace Arroyo.Sql.Lexing;

/// <summary>Turns character offsets into <see cref="SourceSpan"/>s with 1-based line and column.</summary>
internal sealed class SourceText
{
    private readonly int[] _lineStarts;

    public SourceText(string text)
    {
        Text = text;
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n') starts.Add(i + 1);
        }
        _lineStarts = starts.ToArray();
    }

    public string Text { get; }

    public SourceSpan Span(int start, int end)
    {
        var index = Array.BinarySearch(_lineStarts, start);
        // BinarySearch returns the complement of the next larger element when not found.
        var line = index >= 0 ? index : ~index - 1;
        return new SourceSpan(start, end, line + 1, start - _lineStarts[line] + 1);
    }
}
