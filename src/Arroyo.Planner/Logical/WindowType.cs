namespace Arroyo.Planner.Logical;

public enum WindowKind
{
    Tumbling,
    Sliding,
    Session,
}

/// <summary>
/// The window a stream was aggregated by (the reference's WindowType). Two windowed streams
/// can be joined or re-aggregated only when their windows are equal.
/// </summary>
/// <param name="Width">Tumbling/sliding width; the gap of a session window.</param>
/// <param name="Slide">Sliding: the slide; otherwise equal to <paramref name="Width"/>.</param>
public sealed record WindowType(WindowKind Kind, long Width, long Slide)
{
    public static WindowType Tumble(long width) => new(WindowKind.Tumbling, width, width);

    public static WindowType Session(long gap) => new(WindowKind.Session, gap, gap);

    public override string ToString() => Kind switch
    {
        WindowKind.Tumbling => $"tumble({Seconds(Width)})",
        WindowKind.Sliding => $"hop({Seconds(Slide)}, {Seconds(Width)})",
        _ => $"session({Seconds(Width)})",
    };

    /// <summary>Durations the way the reference prints them in messages: <c>600s</c>.</summary>
    public static string Seconds(long nanos) =>
        nanos % 1_000_000_000 == 0 ? $"{nanos / 1_000_000_000}s" : $"{nanos / 1e9:0.#########}s";
}
