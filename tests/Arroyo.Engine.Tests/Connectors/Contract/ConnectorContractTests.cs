using Arroyo.Cli.Composition;
using Arroyo.Connectors;
using Arroyo.Core.Errors;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Connectors.Contract;

/// <summary>
/// What every connector must do, inherited by each connector's tests: refuse a misspelled
/// option with its position and a suggestion; as a source, checkpoint at one parallelism and
/// restore at another without losing or repeating a row; as a sink, write each row exactly
/// once across a stop and a restore. A connector overrides the members that describe it;
/// the roles it lacks return null and their tests pass vacuously.
/// </summary>
public abstract class ConnectorContractTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("arroyo-contract-").FullName;

    /// <summary>The catalog to plan and run with (the built-ins, plus the connector under test when it is not one).</summary>
    protected virtual ConnectorCatalog Catalog() => BuiltIns.Connectors();

    /// <summary>A CREATE TABLE … WITH (…) whose option <see cref="MisspelledOption"/> is misspelled as written.</summary>
    protected abstract string TableWithMisspelledOption { get; }

    /// <summary>The misspelled key as it appears in <see cref="TableWithMisspelledOption"/>, and the option it should be.</summary>
    protected abstract (string Written, string Meant) MisspelledOption { get; }

    /// <summary>A bounded source table named <c>src</c>, producing enough rows to stop in the middle; null when not a source.</summary>
    protected virtual string? BoundedSourceTable(string dir) => null;

    /// <summary>A sink table named <c>out</c> with columns <c>counter BIGINT UNSIGNED, subtask_index BIGINT UNSIGNED</c>; null when not a sink.</summary>
    protected virtual string? SinkTable(string dir) => null;

    /// <summary>The lines the sink of <see cref="SinkTable"/> wrote, one per row.</summary>
    protected virtual IReadOnlyList<string> SinkOutput(string dir) => throw new NotSupportedException();

    protected string Dir => _dir;

    [Fact]
    public void A_misspelled_option_is_refused_with_its_position_and_a_suggestion()
    {
        var sql = TableWithMisspelledOption + ";\nSELECT * FROM t;";
        var error = Assert.ThrowsAny<UserException>(() => PipelinePlanner.Plan(sql, new PlanOptions { Connectors = Catalog() }));
        Assert.Contains(MisspelledOption.Written, error.Message);
        Assert.Contains($"did you mean '{MisspelledOption.Meant}'", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(error.Span.IsKnown, "the error has no position");
        Assert.Contains(MisspelledOption.Written, sql[error.Span.Start..error.Span.End]);
    }

    [Fact]
    public async Task A_source_checkpointed_at_parallelism_2_restores_at_3_without_loss_or_duplicates()
    {
        var source = BoundedSourceTable(_dir);
        if (source is null) return;
        var run = new HostedRun(Catalog());

        var expected = await CollectAsync(run, source, "straight", stopAfter: null, 3);
        var restored = await CollectAsync(run, source, "restored", stopAfter: 40, 2, 3);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, restored);
    }

    [Fact]
    public async Task A_sink_writes_each_row_once_across_a_stop_and_a_restore()
    {
        var sink = SinkTable(_dir);
        if (sink is null) return;
        var run = new HostedRun(Catalog());
        var query = $"""
            CREATE TABLE src WITH (connector = 'impulse', event_rate = '1000000', message_count = '300');
            {sink};
            INSERT INTO out SELECT counter, subtask_index FROM src;
            """;
        var state = Path.Combine(_dir, "sink-state");
        await run.RunAndStopAfterAsync(query, state, 2, rows: 100);
        Assert.NotNull((await run.RunToEndAsync(query, state, 2)).RestoredEpoch);

        var expected = Enumerable.Range(0, 300).SelectMany(c => new[] { Line(c, 0), Line(c, 1) }).Order(StringComparer.Ordinal);
        Assert.Equal(expected, SinkOutput(_dir).Order(StringComparer.Ordinal));

        static string Line(int counter, int subtask) => $$"""{"counter":{{counter}},"subtask_index":{{subtask}}}""";
    }

    /// <summary>
    /// Copies the source into a single_file sink, either straight through at the last of
    /// <paramref name="parallelisms"/>, or stopped after <paramref name="stopAfter"/> rows at each
    /// parallelism but the last and then run to the end at the last; returns the lines, sorted.
    /// </summary>
    private async Task<List<string>> CollectAsync(HostedRun run, string source, string name, long? stopAfter, params int[] parallelisms)
    {
        var output = Path.Combine(_dir, name + ".json");
        var query = $"""
            {source};
            CREATE TABLE sink_file WITH (connector = 'single_file', path = '{output}', format = 'json', type = 'sink');
            INSERT INTO sink_file SELECT * FROM src;
            """;
        var state = Path.Combine(_dir, name + "-state");
        foreach (var parallelism in parallelisms[..^1]) await run.RunAndStopAfterAsync(query, state, parallelism, stopAfter!.Value);
        var last = await run.RunToEndAsync(query, state, parallelisms[^1]);
        if (parallelisms.Length > 1) Assert.NotNull(last.RestoredEpoch);
        return File.ReadAllLines(output).Order(StringComparer.Ordinal).ToList();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp dir is harmless.
        }
        GC.SuppressFinalize(this);
    }
}
