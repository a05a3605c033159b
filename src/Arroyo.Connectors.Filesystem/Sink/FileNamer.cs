using System.Globalization;
using System.Security.Cryptography;
using Arroyo.Connectors.Filesystem.Options;

namespace Arroyo.Connectors.Filesystem.Sink;

/// <summary>
/// Names new files: <c>[PARTITION/][PREFIX-]ID.SUFFIX</c>, ID by <c>filename.strategy</c>
/// (uuid_v7 by default, as the reference). Serial ids are <c>SUBTASK-EPOCH-N</c>: unique
/// across subtasks and restarts, since a restored run begins after the restored epoch and
/// files of an epoch that never completed are never made visible.
/// </summary>
internal sealed class FileNamer(FileSinkSettings settings, string defaultSuffix, int subtask)
{
    private const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private long _epoch = -1;
    private int _serial;

    public string Next(string? partition, long epoch)
    {
        var id = settings.FilenameStrategy switch
        {
            FilenameStrategy.Serial => Serial(epoch),
            FilenameStrategy.Uuid => Guid.NewGuid().ToString(),
            FilenameStrategy.Ulid => Ulid(),
            _ => Guid.CreateVersion7().ToString(),
        };
        var name = settings.FilenamePrefix is { Length: > 0 } prefix ? $"{prefix}-{id}" : id;
        var suffix = settings.FilenameSuffix ?? defaultSuffix;
        if (suffix.Length > 0) name += suffix.StartsWith('.') ? suffix : "." + suffix;
        return string.IsNullOrEmpty(partition) ? name : partition + "/" + name;
    }

    private string Serial(long epoch)
    {
        if (epoch != _epoch)
        {
            _epoch = epoch;
            _serial = 0;
        }
        return string.Create(CultureInfo.InvariantCulture, $"{subtask:D3}-{epoch:D6}-{_serial++:D4}");
    }

    /// <summary>A ULID: 48 bits of milliseconds then 80 random bits, in Crockford base 32.</summary>
    private static string Ulid()
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)ms;
            ms >>= 8;
        }
        RandomNumberGenerator.Fill(bytes[6..]);
        var value = (UInt128)0;
        foreach (var b in bytes) value = (value << 8) | b;
        Span<char> text = stackalloc char[26];
        for (var i = 25; i >= 0; i--)
        {
            text[i] = Crockford[(int)(value & 31)];
            value >>= 5;
        }
        return new string(text);
    }
}
