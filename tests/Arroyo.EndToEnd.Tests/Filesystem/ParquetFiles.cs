using Arroyo.Storage;
using Arroyo.Storage.Cloud;
using DuckDB.NET.Data;

namespace Arroyo.EndToEnd.Tests.Filesystem;

/// <summary>Test helpers: the files a sink made visible, copied out of their store, and DuckDB queries over them.</summary>
internal static class ParquetFiles
{
    /// <summary>Copies every visible object under <paramref name="url"/> to <paramref name="directory"/>; returns their keys.</summary>
    public static IReadOnlyList<string> Download(string url, IReadOnlyDictionary<string, string> environment, string directory)
    {
        var store = ObjectStoreFactory.Create(url, environment);
        try
        {
            var keys = store.ListAsync("").GetAwaiter().GetResult().Select(o => o.Key).ToList();
            foreach (var key in keys)
            {
                var target = Path.Combine(directory, key);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllBytes(target, store.GetAsync(key).GetAwaiter().GetResult()!);
            }
            return keys;
        }
        finally
        {
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Every row of <paramref name="sql"/> as values (DBNull as null).</summary>
    public static List<object?[]> Query(string sql)
    {
        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }
}
