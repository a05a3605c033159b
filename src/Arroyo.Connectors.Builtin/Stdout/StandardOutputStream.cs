using System.Runtime.InteropServices;

namespace Arroyo.Connectors.Builtin.Stdout;

/// <summary>
/// Writes file descriptor 1 with write(2), reporting every failure. .NET's console stream
/// treats EPIPE as success (so a closed pipe silently swallowed every later row), and a
/// FileStream over fd 1 writes at its own offsets (pwrite), which would overwrite the shell's
/// output or our own stderr log when both go to one file (<c>&gt; out 2&gt;&amp;1</c>).
/// </summary>
internal sealed partial class StandardOutputStream : Stream
{
    private const int Interrupted = 4;
    private const int WouldBlock = 11;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <exception cref="IOException">The write failed; <see cref="Exception.HResult"/> is the errno (32: broken pipe).</exception>
    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            var written = 0;
            while (written < buffer.Length)
            {
                var n = WriteFd(1, start + written, buffer.Length - written);
                if (n >= 0)
                {
                    written += (int)n;
                    continue;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Interrupted) continue;
                if (errno == WouldBlock)
                {
                    // A non-blocking pipe set up by the parent is full: wait for the reader.
                    Thread.Sleep(1);
                    continue;
                }
                throw new IOException(Marshal.GetPInvokeErrorMessage(errno), errno);
            }
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint WriteFd(int fd, byte* buffer, nint count);
}
