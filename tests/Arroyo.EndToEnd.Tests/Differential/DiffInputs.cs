using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Arroyo.EndToEnd.Tests.Differential;

/// <summary>
/// The generated inputs of the differential suite: deterministic (fixed seed), small, and nasty on
/// purpose: NULLs in every nullable column, negative numbers, unicode and empty strings, and
/// event times that arrive out of order by up to 4 s (inside the 5 s watermark bound, so no row is late).
/// </summary>
public static class DiffInputs
{
    public static readonly DateTime Start = new(2024, 3, 10, 9, 59, 50, 125, DateTimeKind.Utc);

    private static readonly string?[] Keys = ["alpha", "Beta", "ключ", "東京", "é", "", null];
    private static readonly string?[] Texts =
    [
        "  Hello World ", "foo-bar-baz", "Ünïcödé Text", "", "MiXeD case", "a_b%c", "São Paulo", "x",
        null, "hello,world,again", "αβγ-δ", "tab\there", "ends with space ", "🚀 rocket",
    ];

    /// <summary>events and other, as most groups read them; DuckDB also gets the window macros.</summary>
    public static readonly DiffSources Sources = new(Write, EngineSources, dir => DuckSources(dir) + "\n" + DuckMacros);

    /// <summary>Writes events.json and other.json into <paramref name="dir"/>.</summary>
    public static void Write(string dir)
    {
        var random = new Random(20240310);
        var events = new StringBuilder();
        var cursor = Start;
        for (var i = 0; i < 360; i++)
        {
            cursor = cursor.AddMilliseconds(random.Next(150, 2600));
            var ts = random.Next(10) < 3 ? cursor.AddMilliseconds(-random.Next(0, 4000)) : cursor;
            var row = new Dictionary<string, object?>
            {
                ["ts"] = Iso(ts),
                ["k"] = Pick(random, Keys),
                ["v"] = random.Next(12) == 0 ? null : random.Next(-50, 101),
                ["x"] = random.Next(12) == 0 ? null : Math.Round(random.NextDouble() * 250 - 75, 3),
                ["s"] = Pick(random, Texts),
                ["b"] = random.Next(7) switch { 0 => null, < 4 => true, _ => false },
                ["i"] = random.Next(10) == 0 ? null : random.Next(-1000, 1000),
                ["f"] = random.Next(10) == 0 ? null : Math.Round(random.NextDouble() * 20 - 10, 2),
                ["u"] = random.Next(10) == 0 ? null : (ulong)random.NextInt64(0, long.MaxValue)* 2,
            };
            if (random.Next(25) == 0) row.Remove("s"); // a missing field reads as NULL
            events.Append(JsonSerializer.Serialize(row)).Append('\n');
        }
        File.WriteAllText(Path.Combine(dir, "events.json"), events.ToString());

        var other = new StringBuilder();
        cursor = Start;
        for (var i = 0; i < 160; i++)
        {
            cursor = cursor.AddMilliseconds(random.Next(500, 6000));
            var ts = random.Next(10) < 3 ? cursor.AddMilliseconds(-random.Next(0, 4000)) : cursor;
            var row = new Dictionary<string, object?>
            {
                ["ts"] = Iso(ts),
                ["k"] = Pick(random, Keys),
                ["amt"] = random.Next(10) == 0 ? null : random.Next(-50, 101),
                ["tag"] = Pick(random, ["red", "green", "blue", null]),
            };
            other.Append(JsonSerializer.Serialize(row)).Append('\n');
        }
        File.WriteAllText(Path.Combine(dir, "other.json"), other.ToString());
    }

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];

    private static string Iso(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The source tables as the engine declares them.</summary>
    public static string EngineSources(string dir) => $"""
        CREATE TABLE events (
          ts TIMESTAMP NOT NULL,
          k TEXT,
          v BIGINT,
          x DOUBLE,
          s TEXT,
          b BOOLEAN,
          i INT,
          f REAL,
          u BIGINT UNSIGNED,
          WATERMARK FOR ts AS ts - INTERVAL '5 seconds'
        ) WITH (connector = 'single_file', path = '{Path.Combine(dir, "events.json")}', format = 'json', type = 'source');

        CREATE TABLE other (
          ts TIMESTAMP NOT NULL,
          k TEXT,
          amt BIGINT,
          tag TEXT,
          WATERMARK FOR ts AS ts - INTERVAL '5 seconds'
        ) WITH (connector = 'single_file', path = '{Path.Combine(dir, "other.json")}', format = 'json', type = 'source');

        """;

    /// <summary>The same tables as DuckDB views, plus helper macros for windows.</summary>
    public static string DuckSources(string dir) => $$"""
        CREATE VIEW events AS SELECT CAST(replace(ts, 'Z', '') AS TIMESTAMP) AS ts, k, v, x, s, b, i, f, u
          FROM read_ndjson('{{Path.Combine(dir, "events.json")}}',
            columns = {'ts': 'VARCHAR', 'k': 'VARCHAR', 'v': 'BIGINT', 'x': 'DOUBLE', 's': 'VARCHAR', 'b': 'BOOLEAN', 'i': 'INTEGER', 'f': 'FLOAT', 'u': 'UBIGINT'});
        CREATE VIEW other AS SELECT CAST(replace(ts, 'Z', '') AS TIMESTAMP) AS ts, k, amt, tag
          FROM read_ndjson('{{Path.Combine(dir, "other.json")}}',
            columns = {'ts': 'VARCHAR', 'k': 'VARCHAR', 'amt': 'BIGINT', 'tag': 'VARCHAR'});
        """;

    /// <summary>Helper macros: tb(t, secs) is the start of the epoch-aligned bucket of width secs (tumble/hop start).</summary>
    public const string DuckMacros = """
        CREATE MACRO tb(t, secs) AS make_timestamp(CAST(floor(epoch_us(t) / (secs * 1000000.0)) AS BIGINT) * secs * 1000000);
        """;

    /// <summary>The smoke corpus's cars table for the engine (1 hour watermark: the file is not ordered).</summary>
    public static string EngineCars(string carsPath) => $"""
        CREATE TABLE cars (
          timestamp TIMESTAMP NOT NULL,
          driver_id BIGINT,
          event_type TEXT,
          location TEXT,
          WATERMARK FOR timestamp AS timestamp - INTERVAL '1 hour'
        ) WITH (connector = 'single_file', path = '{carsPath}', format = 'json', type = 'source');

        """;

    /// <summary>The smoke corpus's CDC log of orders (creates, updates, deletes) as an updating source.</summary>
    public static string EngineOrders(string ordersPath) => $"""
        CREATE TABLE orders (
          id INT PRIMARY KEY,
          customer_name TEXT,
          product_name TEXT,
          quantity INTEGER,
          price FLOAT,
          status TEXT
        ) WITH (connector = 'single_file', path = '{ordersPath}', format = 'debezium_json', type = 'source');

        """;

    /// <summary>DuckDB: the table the CDC log leaves behind (per id, the last change, unless a delete).</summary>
    public static string DuckOrders(string ordersPath) => $$"""
        CREATE VIEW orders AS
        WITH log AS (
          SELECT row_number() OVER () AS seq, op, before, after
          FROM read_ndjson('{{ordersPath}}', columns = {
            'op': 'VARCHAR',
            'before': 'STRUCT(id INTEGER, customer_name VARCHAR, product_name VARCHAR, quantity INTEGER, price FLOAT, status VARCHAR)',
            'after': 'STRUCT(id INTEGER, customer_name VARCHAR, product_name VARCHAR, quantity INTEGER, price FLOAT, status VARCHAR)'})),
        last AS (
          SELECT * FROM log QUALIFY row_number() OVER (PARTITION BY coalesce(after.id, before.id) ORDER BY seq DESC) = 1)
        SELECT after.id AS id, after.customer_name AS customer_name, after.product_name AS product_name,
               after.quantity AS quantity, after.price AS price, after.status AS status
        FROM last WHERE op <> 'd';
        """;

    public static string DuckCars(string carsPath) => $$"""
        CREATE VIEW cars AS SELECT CAST(replace(timestamp, 'Z', '') AS TIMESTAMP) AS timestamp, driver_id, event_type, location
          FROM read_ndjson('{{carsPath}}',
            columns = {'timestamp': 'VARCHAR', 'driver_id': 'BIGINT', 'event_type': 'VARCHAR', 'location': 'VARCHAR'});
        """;
}
