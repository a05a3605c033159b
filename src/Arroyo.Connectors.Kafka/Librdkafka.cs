using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Arroyo.Connectors.Kafka;

/// <summary>
/// Calls into the librdkafka Confluent.Kafka loaded (librdkafka.redist's native library), for
/// what Confluent.Kafka's API does not offer at our cost: batch consume (<see cref="MessageBatches"/>)
/// and a producer without a managed object per delivery report (<see cref="NativeProducer"/>).
/// Every P/Invoke of this assembly resolves "librdkafka" through <see cref="Resolve"/>, which
/// <see cref="Use"/> installs once, before the first call.
/// </summary>
internal static unsafe partial class Librdkafka
{
    public const string Library = "librdkafka";

    private static readonly Lazy<bool> s_available = new(Load);

    // The runtime runs a static constructor once, before any member of the type is used: the resolver is in place before any P/Invoke here.
    static Librdkafka() => NativeLibrary.SetDllImportResolver(typeof(Librdkafka).Assembly, Resolve);

    /// <summary>Installs the resolver (once); every type of this assembly that calls librdkafka calls this first.</summary>
    public static void Use()
    {
    }

    /// <summary>
    /// Whether librdkafka can be called directly: Confluent.Kafka loads it (its own search, which
    /// throws when no build fits the system), then one call proves our binding finds the same file.
    /// </summary>
    public static bool Available => s_available.Value;

    private static bool Load()
    {
        try
        {
            Confluent.Kafka.Library.Load();
            return rd_kafka_version() > 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>librdkafka's text for an error code (e.g. "Broker: Message size too large").</summary>
    public static string ErrorText(int code) =>
        Marshal.PtrToStringUTF8(rd_kafka_err2str(code)) ?? code.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A NUL-terminated UTF-8 buffer librdkafka wrote a message into.</summary>
    public static string Text(ReadOnlySpan<byte> buffer)
    {
        var end = buffer.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? buffer : buffer[..end]);
    }

    /// <summary>
    /// The librdkafka Confluent.Kafka loaded, which is in the process by the time a client exists:
    /// found by its file among the mapped ones, else the loader's own order (the plain build, then
    /// the centos8 build that links only glibc, for systems without libsasl2.so.3). Two copies of
    /// librdkafka in one process would not share their globals.
    /// </summary>
    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Library) return IntPtr.Zero;
        if (LoadedFile() is { } loaded && NativeLibrary.TryLoad(loaded, out var handle)) return handle;
        if (NativeLibrary.TryLoad(name, assembly, path, out handle)) return handle;
        var native = Path.Combine(AppContext.BaseDirectory, "runtimes",
            "linux-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(), "native", "centos8-librdkafka.so");
        return NativeLibrary.TryLoad(native, out handle) ? handle : IntPtr.Zero;
    }

    private static string? LoadedFile()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                var slash = line.IndexOf('/');
                if (slash >= 0 && line.EndsWith("librdkafka.so", StringComparison.Ordinal)) return line[slash..];
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    /// <summary>One argument of <c>rd_kafka_produceva</c> (rdkafka.h's <c>rd_kafka_vu_t</c>): a type tag, then a 64-byte union.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 72)]
    internal struct ProduceArgument
    {
        public const int Rkt = 2; // RD_KAFKA_VTYPE_RKT
        public const int Partition = 3;
        public const int Value = 4;
        public const int Key = 5;
        public const int MessageFlags = 7;
        public const int Timestamp = 8;

        [FieldOffset(0)] public int Type;
        [FieldOffset(8)] public IntPtr Pointer;
        [FieldOffset(8)] public int Int32;
        [FieldOffset(8)] public long Int64;
        [FieldOffset(16)] public nuint Size;
    }

    /// <summary>rdkafka.h's <c>rd_kafka_metadata</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Metadata
    {
        public int BrokerCount;
        public IntPtr Brokers;
        public int TopicCount;
        public MetadataTopic* Topics;
        public int OriginBrokerId;
        public IntPtr OriginBrokerName;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MetadataTopic
    {
        public IntPtr Name;
        public int PartitionCount;
        public MetadataPartition* Partitions;
        public int Error;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct MetadataPartition
    {
        public int Id;
        public int Error;
        public int Leader;
        public int ReplicaCount;
        public IntPtr Replicas;
        public int InSyncCount;
        public IntPtr InSync;
    }

    // Signatures from librdkafka's rdkafka.h (2.16, the bundled librdkafka.redist).
    [LibraryImport(Library)]
    public static partial int rd_kafka_version();

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_err2str(int error);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_destroy(IntPtr conf);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte* errstr, nuint errstrSize);

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_set_opaque(IntPtr conf, IntPtr opaque);

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_set_dr_msg_cb(IntPtr conf, delegate* unmanaged<IntPtr, int*, IntPtr, void> callback);

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_set_error_cb(IntPtr conf, delegate* unmanaged<IntPtr, int, byte*, IntPtr, void> callback);

    [LibraryImport(Library)]
    public static partial void rd_kafka_conf_set_log_cb(IntPtr conf, delegate* unmanaged<IntPtr, int, byte*, byte*, void> callback);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte* errstr, nuint errstrSize);

    [LibraryImport(Library)]
    public static partial void rd_kafka_destroy(IntPtr client);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_opaque(IntPtr client);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_name(IntPtr client);

    [LibraryImport(Library)]
    public static partial int rd_kafka_fatal_error(IntPtr client, byte* errstr, nuint errstrSize);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr rd_kafka_topic_new(IntPtr client, string topic, IntPtr conf);

    [LibraryImport(Library)]
    public static partial void rd_kafka_topic_destroy(IntPtr topic);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_produceva(IntPtr client, ProduceArgument* arguments, nuint count);

    [LibraryImport(Library)]
    public static partial int rd_kafka_error_code(IntPtr error);

    [LibraryImport(Library)]
    public static partial IntPtr rd_kafka_error_string(IntPtr error);

    [LibraryImport(Library)]
    public static partial void rd_kafka_error_destroy(IntPtr error);

    [LibraryImport(Library)]
    public static partial int rd_kafka_poll(IntPtr client, int timeoutMs);

    [LibraryImport(Library)]
    public static partial int rd_kafka_flush(IntPtr client, int timeoutMs);

    [LibraryImport(Library)]
    public static partial int rd_kafka_outq_len(IntPtr client);

    [LibraryImport(Library)]
    public static partial int rd_kafka_metadata(IntPtr client, int allTopics, IntPtr onlyTopic, Metadata** metadata, int timeoutMs);

    [LibraryImport(Library)]
    public static partial void rd_kafka_metadata_destroy(Metadata* metadata);
}
