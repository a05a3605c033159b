using DuckDB.NET.Data;

// Runs a SQL script in an in-memory DuckDB with one thread (statements separated by ';' at the
// end of a line), as bench/json.sh's peer of the engine: the script reads the NDJSON file and
// COPYs its answer to a CSV file, which the bench compares with the engine's output.
if (args.Length != 1)
{
    Console.Error.WriteLine("usage: DuckDbPeer <script.sql>");
    return 2;
}
using var connection = new DuckDBConnection("Data Source=:memory:");
connection.Open();
var statements = new List<string> { "SET threads = 1" };
statements.AddRange(File.ReadAllText(args[0]).Split(";\n").Select(s => s.Trim().TrimEnd(';')).Where(s => s.Length > 0));
foreach (var sql in statements)
{
    using var command = connection.CreateCommand();
    command.CommandText = sql;
    try
    {
        command.ExecuteNonQuery();
    }
    catch (DuckDBException e)
    {
        Console.Error.WriteLine($"DuckDB refused: {sql}\n{e.Message}");
        return 1;
    }
}
return 0;
