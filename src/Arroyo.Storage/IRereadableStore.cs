namespace Arroyo.Storage;

/// <summary>
/// A store that reads an object straight into a caller's buffer, cheaply enough that reading
/// it a second time costs less than holding it: a local directory, where a read is a copy out
/// of the page cache and no request. A restore verifies every state file in one pass through a
/// few reused buffers and reads each again when its batches are decoded, instead of holding a
/// whole checkpoint in freshly allocated arrays (whose page faults cost more than the reads).
/// </summary>
public interface IRereadableStore
{
    /// <summary>
    /// Reads the object into <paramref name="destination"/>, as much of it as fits, and returns
    /// its whole length (more than the destination holds means it was not read whole), or null
    /// when there is no such object.
    /// </summary>
    long? ReadInto(string key, Span<byte> destination);
}
