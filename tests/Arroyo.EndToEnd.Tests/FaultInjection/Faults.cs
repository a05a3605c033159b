namespace Arroyo.EndToEnd.Tests.FaultInjection;

/// <summary>Damage done to files at seeded random offsets, so a failing case can be replayed exactly.</summary>
internal static class Faults
{
    /// <summary>Changes one byte (to any other value) at a random offset; returns what it did.</summary>
    public static string FlipByte(string path, Random random)
    {
        var bytes = File.ReadAllBytes(path);
        var offset = random.Next(bytes.Length);
        var old = bytes[offset];
        bytes[offset] ^= (byte)random.Next(1, 256);
        File.WriteAllBytes(path, bytes);
        return $"byte {offset} of {bytes.Length} in {path}: 0x{old:x2} -> 0x{bytes[offset]:x2}";
    }

    /// <summary>Cuts the file at a random length shorter than it is.</summary>
    public static string Truncate(string path, Random random)
    {
        var length = new FileInfo(path).Length;
        var keep = random.NextInt64(length);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write)) stream.SetLength(keep);
        return $"{path} truncated from {length} to {keep} bytes";
    }

    public static string Apply(string fault, string path, Random random) => fault switch
    {
        "flip" => FlipByte(path, random),
        "truncate" => Truncate(path, random),
        _ => throw new ArgumentException($"unknown fault {fault}", nameof(fault)),
    };

    public static void CopyDirectory(string from, string to)
    {
        if (Directory.Exists(to)) Directory.Delete(to, recursive: true);
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
