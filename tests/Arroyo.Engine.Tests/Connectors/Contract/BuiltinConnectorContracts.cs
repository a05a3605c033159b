namespace Arroyo.Engine.Tests.Connectors.Contract;

public sealed class ImpulseContractTests : ConnectorContractTests
{
    protected override string TableWithMisspelledOption =>
        "CREATE TABLE t WITH (connector = 'impulse', event_rat = '10')";

    protected override (string Written, string Meant) MisspelledOption => ("event_rat", "event_rate");

    protected override string BoundedSourceTable(string dir) =>
        "CREATE TABLE src WITH (connector = 'impulse', event_rate = '1000000', message_count = '200')";
}

public sealed class SingleFileContractTests : ConnectorContractTests
{
    protected override string TableWithMisspelledOption =>
        "CREATE TABLE t (x TEXT) WITH (connector = 'single_file', pth = '/tmp/x.json', format = 'json', type = 'source')";

    protected override (string Written, string Meant) MisspelledOption => ("pth", "path");

    protected override string BoundedSourceTable(string dir)
    {
        var input = Path.Combine(dir, "input.json");
        if (!File.Exists(input))
        {
            File.WriteAllLines(input, Enumerable.Range(0, 500).Select(i => $$"""{"id":{{i}},"name":"row {{i}}"}"""));
        }
        return $"CREATE TABLE src (id BIGINT, name TEXT) WITH (connector = 'single_file', path = '{input}', format = 'json', type = 'source')";
    }

    protected override string SinkTable(string dir) =>
        $"CREATE TABLE out (counter BIGINT UNSIGNED, subtask_index BIGINT UNSIGNED) WITH (connector = 'single_file', path = '{Path.Combine(dir, "sink.json")}', format = 'json', type = 'sink')";

    protected override IReadOnlyList<string> SinkOutput(string dir) => File.ReadAllLines(Path.Combine(dir, "sink.json"));
}
