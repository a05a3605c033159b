using Arroyo.Execution;
using Watermark = Arroyo.Execution.Watermark;

namespace Arroyo.Operators.Grouping;

/// <summary>
/// When one watermark closes several windows at once (above all the +∞ watermark at the end
/// of a bounded input, which closes every window), a window operator sends a watermark at
/// each window's end after that window's rows. Downstream windowed joins and aggregates can
/// then finish that window and drop its rows while the next window is still being produced,
/// and the bounded queues between subtasks hold the producer back: memory stays at about
/// one window's worth instead of all of them.
/// </summary>
internal static class ProgressWatermark
{
    public static void AfterWindow(long windowEnd, long incoming, IOutput output)
    {
        // The incoming watermark itself is forwarded by the caller once it is done.
        if (windowEnd < incoming) output.EmitWatermark(Watermark.At(windowEnd));
    }
}
