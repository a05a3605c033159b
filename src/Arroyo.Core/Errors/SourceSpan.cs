namespace Arroyo.Core.Errors;

/// <summary>
/// Where something is in the SQL text: character offsets [Start, End) and the 1-based
/// line and column of Start.
/// </summary>
public readonly record struct SourceSpan(int Start, int End, int Line, int Column)
{
    public static readonly SourceSpan None = new(0, 0, 0, 0);

    public bool IsKnown => Line > 0;

    /// <summary>The smallest span covering both.</summary>
    public SourceSpan Union(SourceSpan other)
    {
        if (!IsKnown) return other;
        if (!other.IsKnown) return this;
        var first = Start <= other.Start ? this : other;
        return new SourceSpan(first.Start, Math.Max(End, other.End), first.Line, first.Column);
    }

    public override string ToString() => IsKnown ? $"line {Line}, column {Column}" : "unknown position";
}
