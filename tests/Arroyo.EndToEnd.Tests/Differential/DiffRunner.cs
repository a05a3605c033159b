using System.Collections.Concurrent;
using System.Text;
using Arroyo.EndToEnd.Tests.Support;
using DuckDB.NET.Data;

namespace Arroyo.EndToEnd.Tests.Differential;

/// <summary>
/// One differential case: a streaming query for the engine (the SELECT of an INSERT into a
/// single_file sink) and the batch query DuckDB answers the same question with.
/// <paramref name="Updating"/> cases write debezium_json and are folded into their final table.
/// </summary>
public sealed record DiffCase(string Name, string Engine, string Duck, bool Updating = false);

/// <summary>
/// The inputs a group's queries read: <paramref name="Write"/> puts files into the run's directory
/// before the run; <paramref name="Engine"/> and <paramref name="Duck"/> declare the tables (given
/// that directory) for the engine and for DuckDB.
/// </summary>
public sealed record DiffSources(Action<string> Write, Func<string, string> Engine, Func<string, string> Duck);

/// <summary>
/// Cases that run together in one CLI invocation (one query file, one sink per case), against one
/// set of inputs (<see cref="DiffInputs.Sources"/> unless given). If the shared run fails (one case
/// that does not plan fails them all), each case runs alone so the failure is reported against the case that caused it.
/// </summary>
public sealed class DiffGroup
{
    private readonly Lazy<GroupRun> _run;
    private readonly ConcurrentDictionary<string, Lazy<CaseOutcome>> _alone = new();
    private readonly object _duckLock = new();
    private DuckDBConnection? _duck;

    private readonly DiffSources _sources;

    public DiffGroup(string name, int parallelism, IReadOnlyList<DiffCase> cases, bool usesCars = false, DiffSources? sources = null)
    {
        _sources = sources ?? DiffInputs.Sources;
        Name = name;
        Parallelism = parallelism;
        Cases = cases.ToDictionary(c => c.Name);
        if (Cases.Count != cases.Count) throw new ArgumentException("duplicate case names");
        UsesCars = usesCars;
        _run = new Lazy<GroupRun>(RunGroup);
    }

    public string Name { get; }

    public int Parallelism { get; }

    public bool UsesCars { get; }

    public IReadOnlyDictionary<string, DiffCase> Cases { get; }

    public TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in Cases.Keys) data.Add(name);
        return data;
    }

    private static string? CarsPath() => SmokeInput("cars.json");

    private static string? OrdersPath() => SmokeInput("aggregate_updates.json");

    private static string? SmokeInput(string name)
    {
        if (SharedData.Conformance is not { } conformance) return null;
        var path = Path.Combine(conformance, "arroyo-smoke", "inputs", name);
        return File.Exists(path) ? path : null;
    }

    public void Check(string caseName)
    {
        if (UsesCars && (CarsPath() is null || OrdersPath() is null))
        {
            Assert.Skip("../shared/conformance/arroyo-smoke/inputs (cars.json, aggregate_updates.json) is not present");
        }
        var diffCase = Cases[caseName];
        var run = _run.Value;
        var outcome = run.Ok
            ? Read(diffCase, run.Dir)
            : _alone.GetOrAdd(caseName, _ => new Lazy<CaseOutcome>(() => RunAlone(diffCase))).Value;
        var expected = Expected(diffCase, run.Dir);
        Assert.True(expected.Count > 0, $"{Name}/{caseName}: DuckDB's answer is empty, so the case proves nothing");
        var difference = DiffRows.Difference(expected, outcome.Rows);
        var problems = outcome.Problems.Count == 0 ? "" : "\nproblems in the output:\n  " + string.Join("\n  ", outcome.Problems.Take(5));
        Assert.True(difference is null && outcome.Problems.Count == 0,
            $"{Name}/{caseName}: {difference}{problems}\n--- engine query:\n{diffCase.Engine}\n--- duckdb query:\n{diffCase.Duck}");
    }

    private sealed record GroupRun(bool Ok, string Dir, RunOutcome Outcome);

    private sealed record CaseOutcome(List<Row> Rows, List<string> Problems);

    private GroupRun RunGroup()
    {
        var dir = Path.Combine(Path.GetTempPath(), "arroyo-diff-" + Name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { Directory.Delete(dir, true); } catch (IOException) { } };
        _sources.Write(dir);
        var outcome = RunCli(dir, Cases.Values.ToList(), "all");
        return new GroupRun(outcome.ExitCode == 0, dir, outcome);
    }

    private RunOutcome RunCli(string dir, List<DiffCase> cases, string tag)
    {
        var sql = new StringBuilder(_sources.Engine(dir));
        if (UsesCars && CarsPath() is { } cars) sql.Append(DiffInputs.EngineCars(cars));
        if (UsesCars && OrdersPath() is { } orders) sql.Append(DiffInputs.EngineOrders(orders));
        foreach (var c in cases)
        {
            sql.Append($"CREATE TABLE out_{c.Name} WITH (connector = 'single_file', path = '{OutputPath(dir, c)}', " +
                $"format = '{(c.Updating ? "debezium_json" : "json")}', type = 'sink');\n");
            sql.Append($"INSERT INTO out_{c.Name}\n{c.Engine};\n\n");
        }
        var queryFile = Path.Combine(dir, $"query-{tag}.sql");
        File.WriteAllText(queryFile, sql.ToString());
        foreach (var c in cases) File.Delete(OutputPath(dir, c));
        var env = new Dictionary<string, string>
        {
            ["ARROYO__DEFAULT_CHECKPOINT_INTERVAL"] = "1s",
            ["ARROYO__PIPELINE__UPDATE_AGGREGATE_FLUSH_INTERVAL"] = "50ms",
            ["ARROYO__PIPELINE__SOURCE_BATCH_SIZE"] = "64",
        };
        return ArroyoProcess.Run(["run", "-p", Parallelism.ToString(), "-s", Path.Combine(dir, "state-" + tag), queryFile],
            environment: env, timeout: TimeSpan.FromSeconds(90));
    }

    private static string OutputPath(string dir, DiffCase c) => Path.Combine(dir, $"out_{c.Name}.json");

    private CaseOutcome RunAlone(DiffCase c)
    {
        var dir = _run.Value.Dir;
        var outcome = RunCli(dir, [c], c.Name);
        if (outcome.ExitCode != 0)
        {
            Assert.Fail($"{Name}/{c.Name}: the engine failed\n{outcome.Stderr}\n--- engine query:\n{c.Engine}");
        }
        return Read(c, dir);
    }

    private static CaseOutcome Read(DiffCase c, string dir)
    {
        var path = OutputPath(dir, c);
        var lines = File.Exists(path) ? File.ReadAllLines(path) : [];
        var problems = new List<string>();
        var rows = c.Updating ? DiffRows.FoldDebezium(lines, problems) : DiffRows.ReadAppend(lines);
        return new CaseOutcome(rows, problems);
    }

    private List<Row> Expected(DiffCase c, string dir)
    {
        lock (_duckLock)
        {
            if (_duck is null)
            {
                _duck = new DuckDBConnection("Data Source=:memory:");
                _duck.Open();
                var setup = _sources.Duck(dir);
                if (UsesCars && CarsPath() is { } cars) setup += "\n" + DiffInputs.DuckCars(cars);
                if (UsesCars && OrdersPath() is { } orders) setup += "\n" + DiffInputs.DuckOrders(orders);
                Execute(setup);
            }
            using var command = _duck.CreateCommand();
            command.CommandText = c.Duck;
            using var reader = command.ExecuteReader();
            var rows = new List<Row>();
            while (reader.Read())
            {
                var cells = new SortedDictionary<string, Cell>(StringComparer.Ordinal);
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    DiffRows.FlattenDuck(reader.GetName(i), DuckValue(reader, i), reader.GetDataTypeName(i), cells,
                        // debezium_json writes timestamps as epoch milliseconds (the reference's default for it)
                        unixMillis: c.Updating);
                }
                rows.Add(new Row(cells));
            }
            return rows;
        }
    }

    /// <summary>
    /// The value of column <paramref name="i"/>; a list is read with nullable elements, since
    /// DuckDB.NET's GetValue refuses a list of numbers that holds a NULL.
    /// </summary>
    private static object? DuckValue(DuckDBDataReader reader, int i)
    {
        if (reader.IsDBNull(i)) return null;
        var type = reader.GetFieldType(i);
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(List<>)) return reader.GetValue(i);
        return typeof(DuckDBDataReader).GetMethod(nameof(DuckDBDataReader.GetFieldValue))!.MakeGenericMethod(NullableElements(type)).Invoke(reader, [i]);
    }

    private static Type NullableElements(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) ? typeof(List<>).MakeGenericType(NullableElements(type.GetGenericArguments()[0]))
        : type.IsValueType && Nullable.GetUnderlyingType(type) is null ? typeof(Nullable<>).MakeGenericType(type)
        : type;

    private void Execute(string sql)
    {
        using var command = _duck!.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
