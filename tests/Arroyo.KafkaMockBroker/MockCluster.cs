using System.Runtime.InteropServices;
using System.Text;

namespace Arroyo.KafkaMockBroker;

/// <summary>
/// librdkafka's mock cluster, created through its public C API on a client handle this type
/// owns (not one borrowed from Confluent.Kafka, whose internal handle layout is not an API).
/// The mock runs its brokers on its own thread; the handle only has to stay alive.
/// </summary>
/// <remarks>
/// Limits of the mock, from librdkafka's rdkafka_mock.c: each partition keeps at most 5 MiB of
/// record batches and at most 100 000 batches; appending past either drops the oldest batches
/// (the log start moves on, like retention), so a consumer that starts later never sees them.
/// There is no CreateTopics or CreatePartitions handler, so topics with another partition count
/// than the default 4 can only be made here, through <c>rd_kafka_mock_topic_create</c>.
/// </remarks>
internal sealed partial class MockCluster : IDisposable
{
    private const string Library = "librdkafka";
    private const int ProducerType = 0; // RD_KAFKA_PRODUCER
    private const int ConfOk = 0; // RD_KAFKA_CONF_OK

    private readonly IntPtr _client;
    private readonly IntPtr _cluster;

    private MockCluster(IntPtr client, IntPtr cluster, string bootstraps)
    {
        _client = client;
        _cluster = cluster;
        Bootstraps = bootstraps;
    }

    /// <summary>The brokers' addresses, "127.0.0.1:port,...".</summary>
    public string Bootstraps { get; }

    public static MockCluster Start(int brokers)
    {
        NativeLibrary.SetDllImportResolver(typeof(MockCluster).Assembly, Resolve);
        var conf = rd_kafka_conf_new();
        var error = new byte[512];
        // The handle's own logs (it never connects anywhere) would only be noise on stderr.
        if (rd_kafka_conf_set(conf, "log_level", "0", error, error.Length) != ConfOk)
        {
            rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException("librdkafka rejected log_level: " + Text(error));
        }
        // On success rd_kafka_new owns conf; on failure it is still ours.
        var client = rd_kafka_new(ProducerType, conf, error, error.Length);
        if (client == IntPtr.Zero)
        {
            rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException("librdkafka could not create a client handle: " + Text(error));
        }
        var cluster = rd_kafka_mock_cluster_new(client, brokers);
        if (cluster == IntPtr.Zero)
        {
            rd_kafka_destroy(client);
            throw new InvalidOperationException($"librdkafka could not start a mock cluster of {brokers} broker(s) (no free port on 127.0.0.1?)");
        }
        // Metadata then names broker 1 as the controller. Admin CreateTopics/CreatePartitions still
        // do not work (the mock has no handler for them), but they fail at once with "not supported
        // by broker" instead of timing out "waiting for controller" (both checked with 2.16).
        rd_kafka_mock_set_controller_id(cluster, 1);
        var bootstraps = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(cluster)) ?? "";
        return new MockCluster(client, cluster, bootstraps);
    }

    /// <summary>Creates <paramref name="topic"/> with <paramref name="partitions"/> partitions, replication factor 1.</summary>
    public void CreateTopic(string topic, int partitions)
    {
        var code = rd_kafka_mock_topic_create(_cluster, topic, partitions, 1);
        if (code != 0)
            throw new InvalidOperationException($"the mock cluster refused to create topic '{topic}' with {partitions} partitions: "
                + Marshal.PtrToStringUTF8(rd_kafka_err2str(code)));
    }

    public void Dispose()
    {
        rd_kafka_mock_cluster_destroy(_cluster);
        rd_kafka_destroy(_client);
    }

    // The package's plain linux build links the Red Hat name of libsasl (libsasl2.so.3), which
    // Debian does not have; its centos8 build links only glibc. Confluent.Kafka's own loader
    // falls back the same way, so both ends of the tests run the same librdkafka.
    private static IntPtr Resolve(string name, System.Reflection.Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Library) return IntPtr.Zero;
        if (NativeLibrary.TryLoad(name, assembly, path, out var handle)) return handle;
        var native = Path.Combine(AppContext.BaseDirectory, "runtimes",
            "linux-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(), "native", "centos8-librdkafka.so");
        return NativeLibrary.TryLoad(native, out handle) ? handle : IntPtr.Zero;
    }

    private static string Text(byte[] buffer)
    {
        var end = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
    }

    // Signatures from librdkafka's rdkafka.h and rdkafka_mock.h (2.16, the bundled librdkafka.redist).
    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(Library)]
    private static partial void rd_kafka_conf_destroy(IntPtr conf);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, byte[] errstr, nint errstrSize);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, nint errstrSize);

    [LibraryImport(Library)]
    private static partial void rd_kafka_destroy(IntPtr client);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_err2str(int code);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_mock_cluster_new(IntPtr client, int brokers);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_cluster_destroy(IntPtr cluster);

    [LibraryImport(Library)]
    private static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_set_controller_id(IntPtr cluster, int brokerId);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitions, int replicationFactor);
}
