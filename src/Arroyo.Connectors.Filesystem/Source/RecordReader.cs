using Arroyo.Core;

namespace Arroyo.Connectors.Filesystem.Source;

/// <summary>Reads one file as batches of the source's output. Records are counted so that a restore can skip those already emitted.</summary>
internal abstract class RecordReader : IDisposable
{
    /// <summary>Records consumed from the file so far (emitted or dropped as bad data).</summary>
    public long Records { get; protected set; }

    /// <summary>Records that did not parse and were dropped (<c>bad_data = 'drop'</c>).</summary>
    public long Dropped { get; protected set; }

    /// <summary>Up to <paramref name="maxRows"/> rows, stamped <paramref name="timestampNanos"/>; null at the end of the file.</summary>
    public abstract Batch? Next(int maxRows, long timestampNanos);

    public abstract void Dispose();
}
