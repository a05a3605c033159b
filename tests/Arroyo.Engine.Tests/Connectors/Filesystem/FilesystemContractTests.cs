using System.Globalization;
using Apache.Arrow;
using Arroyo.Engine.Tests.Connectors.Contract;

namespace Arroyo.Engine.Tests.Connectors.Filesystem;

/// <summary>The connector contract for the filesystem connector writing and reading newline-delimited JSON files.</summary>
public sealed class FilesystemJsonContractTests : ConnectorContractTests
{
    protected override string TableWithMisspelledOption =>
        "CREATE TABLE t (x TEXT) WITH (connector = 'filesystem', path = '/tmp/x', format = 'json', type = 'sink', 'rolling_policy.file_sise' = '1MB')";

    protected override (string Written, string Meant) MisspelledOption => ("rolling_policy.file_sise", "rolling_policy.file_size");

    protected override string BoundedSourceTable(string dir)
    {
        var input = Path.Combine(dir, "input");
        if (!Directory.Exists(input))
        {
            Directory.CreateDirectory(input);
            for (var f = 0; f < 6; f++)
            {
                File.WriteAllLines(Path.Combine(input, $"part-{f}.json"),
                    Enumerable.Range(f * 100, 100).Select(i => $$"""{"id":{{i}},"name":"row {{i}}"}"""));
            }
            // Hidden files and what the pattern excludes are not read.
            File.WriteAllText(Path.Combine(input, ".hidden.json"), """{"id":-1,"name":"hidden"}""");
            File.WriteAllText(Path.Combine(input, "notes.txt"), "not json");
        }
        return $"CREATE TABLE src (id BIGINT, name TEXT) WITH (connector = 'filesystem', path = '{input}', format = 'json', type = 'source', 'source.regex_pattern' = '\\.json$')";
    }

    protected override string SinkTable(string dir) =>
        $"CREATE TABLE out (counter BIGINT UNSIGNED, subtask_index BIGINT UNSIGNED) WITH (connector = 'filesystem', path = '{Path.Combine(dir, "sink")}', format = 'json', type = 'sink')";

    protected override IReadOnlyList<string> SinkOutput(string dir) =>
        Directory.GetFiles(Path.Combine(dir, "sink"), "*.json", SearchOption.AllDirectories).SelectMany(File.ReadAllLines).ToList();
}

/// <summary>The connector contract for the filesystem connector writing and reading Parquet files.</summary>
public sealed class FilesystemParquetContractTests : ConnectorContractTests
{
    protected override string TableWithMisspelledOption =>
        "CREATE TABLE t (x TEXT) WITH (connector = 'filesystem', path = '/tmp/x', format = 'parquet', type = 'sink', 'parquet.compresion' = 'zstd')";

    protected override (string Written, string Meant) MisspelledOption => ("parquet.compresion", "parquet.compression");

    protected override string BoundedSourceTable(string dir)
    {
        var input = Path.Combine(dir, "pq-input");
        if (!Directory.Exists(input))
        {
            Directory.CreateDirectory(input);
            for (var f = 0; f < 4; f++)
            {
                var ids = Enumerable.Range(f * 150, 150).Select(i => (long)i).ToArray();
                var columns = new ParquetSharp.Column[] { new ParquetSharp.Column<long>("id"), new ParquetSharp.Column<string>("name") };
                using var writer = new ParquetSharp.ParquetFileWriter(Path.Combine(input, $"f{f}.parquet"), columns);
                // Several row groups, so a restore resumes inside a file.
                foreach (var chunk in ids.Chunk(40))
                {
                    using var group = writer.AppendRowGroup();
                    using (var c = group.NextColumn().LogicalWriter<long>()) c.WriteBatch(chunk);
                    using (var c = group.NextColumn().LogicalWriter<string>()) c.WriteBatch(chunk.Select(i => $"row {i}").ToArray());
                }
                writer.Close();
            }
        }
        return $"CREATE TABLE src (id BIGINT, name TEXT) WITH (connector = 'filesystem', path = '{input}', format = 'parquet', type = 'source')";
    }

    protected override string SinkTable(string dir) =>
        $"CREATE TABLE out (counter BIGINT UNSIGNED, subtask_index BIGINT UNSIGNED) WITH (connector = 'filesystem', path = '{Path.Combine(dir, "pq-sink")}', format = 'parquet', type = 'sink', 'parquet.compression' = 'snappy')";

    protected override IReadOnlyList<string> SinkOutput(string dir)
    {
        var lines = new List<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(dir, "pq-sink"), "*.parquet", SearchOption.AllDirectories))
        {
            using var reader = new ParquetSharp.Arrow.FileReader(file);
            using var batches = reader.GetRecordBatchReader();
            while (batches.ReadNextRecordBatchAsync().AsTask().GetAwaiter().GetResult() is { } batch)
            {
                using (batch)
                {
                    var counters = (UInt64Array)batch.Column("counter");
                    var subtasks = (UInt64Array)batch.Column("subtask_index");
                    for (var i = 0; i < batch.Length; i++)
                    {
                        lines.Add(string.Create(CultureInfo.InvariantCulture, $$"""{"counter":{{counters.GetValue(i)}},"subtask_index":{{subtasks.GetValue(i)}}}"""));
                    }
                }
            }
        }
        return lines;
    }
}
