namespace PlannerUdfs;

public static class Rates
{
    /// <summary>Per-second rate over a 60 s window from its first and last sample; NULL after a counter reset.</summary>
    [AggregateUdf]
    public static float? irate(float[] values)
    {
        if (values.Length == 0) return null;
        var rate = (values[^1] - values[0]) / 60.0f;
        return rate >= 0 ? rate : null;
    }
}
