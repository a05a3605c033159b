using System.Diagnostics.Metrics;
using System.Globalization;

namespace Arroyo.Web.Metrics;

/// <summary>
/// The .NET runtime's own metrics (the built-in <c>System.Runtime</c> meter: GC, heap, CPU
/// time, thread pool, JIT, exceptions), collected through a <see cref="MeterListener"/> at
/// scrape time and named as OpenTelemetry's Prometheus exporter names them
/// (<c>dotnet.gc.collections</c> → <c>dotnet_gc_collections_total</c>, seconds and bytes as
/// suffixes).
/// </summary>
internal sealed class RuntimeMetrics : IDisposable
{
    private const string MeterName = "System.Runtime";

    private readonly MeterListener _listener = new();
    private readonly object _lock = new();
    // Observable instruments are re-read at each scrape; plain counters (dotnet.exceptions)
    // report increments as they happen, so those are summed.
    private readonly Dictionary<(Instrument Instrument, string Labels), double> _observed = [];
    private readonly Dictionary<(Instrument Instrument, string Labels), double> _summed = [];
    private readonly Dictionary<string, KeyValuePair<string, string>[]> _labelSets = new(StringComparer.Ordinal);

    public RuntimeMetrics()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public void Write(PrometheusWriter writer)
    {
        List<(Instrument Instrument, string Labels, double Value)> values;
        lock (_lock)
        {
            _observed.Clear();
            _listener.RecordObservableInstruments();
            values = _observed.Concat(_summed).Select(kv => (kv.Key.Instrument, kv.Key.Labels, kv.Value)).ToList();
        }
        foreach (var group in values.GroupBy(v => v.Instrument).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            var instrument = group.Key;
            var counter = IsCounter(instrument);
            var name = PrometheusWriter.Name(instrument.Name) + UnitSuffix(instrument.Unit) + (counter ? "_total" : "");
            writer.Family(name, counter ? "counter" : "gauge", instrument.Description ?? instrument.Name);
            foreach (var (_, labels, value) in group) writer.Sample(name, _labelSets[labels], value);
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new KeyValuePair<string, string>[tags.Length];
        for (var i = 0; i < tags.Length; i++)
        {
            labels[i] = new(PrometheusWriter.Name(tags[i].Key), Convert.ToString(tags[i].Value, CultureInfo.InvariantCulture) ?? "");
        }
        var key = string.Join(",", labels.Select(l => l.Key + "=" + l.Value));
        lock (_lock)
        {
            _labelSets.TryAdd(key, labels);
            if (instrument.IsObservable) _observed[(instrument, key)] = value;
            else _summed[(instrument, key)] = _summed.GetValueOrDefault((instrument, key)) + value;
        }
    }

    private static bool IsCounter(Instrument instrument) =>
        instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() is var type &&
        (type == typeof(Counter<>) || type == typeof(ObservableCounter<>));

    private static string UnitSuffix(string? unit) => unit switch
    {
        "s" => "_seconds",
        "By" => "_bytes",
        _ => "",
    };
}
