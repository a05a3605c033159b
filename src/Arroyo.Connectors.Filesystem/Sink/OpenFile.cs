namespace Arroyo.Connectors.Filesystem.Sink;

/// <summary>A file being written: its format writer over the stream of its multipart upload, and what the rolling policy looks at.</summary>
internal sealed class OpenFile(PartUploadStream stream, FileFormatWriter writer, long openedAt)
{
    /// <summary>The event time of the file's first row (nanoseconds): which time bucket the file is in, for watermark expiration.</summary>
    public long? FirstTimestamp { get; set; }

    public PartUploadStream Stream { get; } = stream;

    public FileFormatWriter Writer { get; } = writer;

    public long OpenedAt { get; } = openedAt;

    public long LastWriteAt { get; set; } = openedAt;

    public long Rows { get; set; }
}
