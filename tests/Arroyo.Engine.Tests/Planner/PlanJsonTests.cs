using System.Text.RegularExpressions;
using Arroyo.Cli.Composition;
using Arroyo.Connectors;
using Arroyo.Core;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Dataflow;
using Arroyo.Engine.Tests.Operators;
using Arroyo.Core.Columns;
using Arroyo.Execution;
using Arroyo.Expressions;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>
/// The plan as data: every query of the conformance corpora and of bench/nexmark plans to a
/// graph whose JSON reads back to a graph with the same canonical JSON, and the read-back
/// Nexmark graphs compute the same rows as the planned ones. Corpus cases skip when
/// ../shared is absent.
/// </summary>
public sealed class PlanJsonTests
{
    public static TheoryData<string, string> CorpusQueries()
    {
        var data = new TheoryData<string, string>();
        var root = PlannerTestSupport.SharedConformance();
        if (root is null)
        {
            data.Add("", "");
            return data;
        }
        foreach (var corpus in new[] { "arroyo-planner", "arroyo-smoke" })
        {
            foreach (var file in Directory.GetFiles(Path.Combine(root, corpus, "queries"), "*.sql").Order(StringComparer.Ordinal))
            {
                data.Add(corpus, Path.GetFileNameWithoutExtension(file));
            }
        }
        return data;
    }

    public static TheoryData<string> NexmarkQueries()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(PlannerTestSupport.NexmarkDirectory(), "q*.sql").Order(StringComparer.Ordinal)) data.Add(Path.GetFileNameWithoutExtension(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusQueries))]
    public void CorpusPlansRoundTripThroughJson(string corpus, string name)
    {
        var root = PlannerTestSupport.SharedConformance();
        Assert.SkipWhen(root is null || name.Length == 0, "../shared/conformance is not present");
        var sql = File.ReadAllText(Path.Combine(root!, corpus, "queries", name + ".sql"))
            .Replace("$input_dir", "/tmp/inputs").Replace("$output_path", "/tmp/output.json");
        PlannedPipeline plan;
        try
        {
            plan = PipelinePlanner.Plan(sql, PlannerTestSupport.ReferenceTestOptions(2));
        }
        catch (UserException e)
        {
            Assert.Skip($"does not plan (the corpus tests check why): {e.Message}");
            return;
        }
        AssertRoundTrips(plan);
    }

    [Theory]
    [MemberData(nameof(NexmarkQueries))]
    public void NexmarkPlansRoundTripThroughJson(string name)
    {
        var plan = PlanNexmark(name, messages: 1000);
        Assert.SkipWhen(plan is null, $"{name} does not plan yet (see bench/run.sh)");
        AssertRoundTrips(plan!);
    }

    public static TheoryData<string> SmokeQueries()
    {
        var data = new TheoryData<string>();
        var root = PlannerTestSupport.SharedConformance();
        if (root is null)
        {
            data.Add("");
            return data;
        }
        foreach (var file in Directory.GetFiles(Path.Combine(root, "arroyo-smoke", "queries"), "*.sql").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileNameWithoutExtension(file));
        }
        return data;
    }

    /// <summary>
    /// The smoke corpus reads files, so its results do not depend on the clock (Nexmark's event
    /// times start at the wall time of the run): each query runs from the planned graph and
    /// from the graph read back from its JSON, and both give the same rows.
    /// </summary>
    [Theory]
    [MemberData(nameof(SmokeQueries))]
    public void ReadBackSmokeGraphsComputeTheSameRows(string name)
    {
        var root = PlannerTestSupport.SharedConformance();
        Assert.SkipWhen(root is null || name.Length == 0, "../shared/conformance is not present");
        var sql = File.ReadAllText(Path.Combine(root!, "arroyo-smoke", "queries", name + ".sql"))
            .Replace("$input_dir", Path.Combine(root!, "arroyo-smoke", "inputs")).Replace("$output_path", Path.Combine(Path.GetTempPath(), "plan-json-unused.json"));
        Assert.SkipWhen(sql.StartsWith("--fail", StringComparison.Ordinal), "a planning-failure case");
        var options = PlannerTestSupport.ReferenceTestOptions(1);
        var plan = PipelinePlanner.Plan(sql, options);
        var readBack = plan.Json.DeserializeGraph(plan.ToJson());
        var expected = Run(plan.Graph, options.Functions);
        Assert.Equal(expected, Run(readBack, PlannerTestSupport.WithTestUdfs()));
    }

    /// <summary>
    /// A user function is added to the same registries the planner binds with and the run
    /// resolves in; the plan holds only its name and signature, so a run whose registries lack
    /// it stops with a message naming it.
    /// </summary>
    [Fact]
    public void AUserFunctionPlugsIntoTheRegistriesThePlanAndTheRunShare()
    {
        var functions = FunctionLibrary.CreateBuiltins()
            .AddScalar("triple", [DataType.Int64], DataType.Int64, (_, returns) => new TripleKernel(returns));
        var plan = PipelinePlanner.Plan("""
            CREATE TABLE i WITH (connector = 'impulse', event_rate = '1000000', message_count = '5');
            CREATE TABLE out WITH (connector = 'blackhole');
            INSERT INTO out SELECT triple(counter) AS t FROM i;
            """, new PlanOptions { Connectors = BuiltIns.Connectors(), Functions = functions });
        var json = plan.ToJson();
        Assert.Contains("\"name\":\"triple\",\"arguments\":[\"Int64\"],\"returns\":\"Int64\"", json, StringComparison.Ordinal);
        var readBack = plan.Json.DeserializeGraph(json);
        Assert.Equal(["0", "12", "3", "6", "9"], Run(readBack, functions));
        var error = Assert.ThrowsAny<Exception>(() => Run(readBack, FunctionLibrary.CreateBuiltins()));
        Assert.Contains("function 'triple' is not registered in this engine (the plan calls triple(BIGINT) -> BIGINT)", error.ToString(), StringComparison.Ordinal);
    }

    private sealed class TripleKernel(DataType returns) : ScalarKernel
    {
        public override Column Invoke(Column[] args, int rowCount)
        {
            var input = (PrimitiveColumn<long>)args[0];
            var values = new long[rowCount];
            for (var i = 0; i < rowCount; i++) values[i] = input.Values[i] * 3;
            return new PrimitiveColumn<long>(returns, values, rowCount, input.Validity);
        }
    }

    [Fact]
    public void ASpecReadsBackEqualAndItsComputedMembersAreNotWritten()
    {
        var plan = PlanNexmark("q5", messages: 1000)!;
        Assert.Contains(plan.Graph.Nodes, n => n.Operator is Arroyo.Dataflow.Specs.TumblingAggregateSpec or Arroyo.Dataflow.Specs.SlidingAggregateSpec);
        foreach (var node in plan.Graph.Nodes)
        {
            var json = plan.Json.Serialize(node.Operator);
            var back = plan.Json.DeserializeSpec(json);
            Assert.Equal(node.Operator.GetType(), back.GetType());
            Assert.Equal(json, plan.Json.Serialize(back));
            Assert.Equal(node.Operator.OutputSchema.Fields, back.OutputSchema.Fields);
            Assert.DoesNotContain("\"output_schema\"", json, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AConfigTypeNobodyRegisteredIsRefusedWithItsName()
    {
        var plan = PipelinePlanner.Plan("CREATE TABLE i WITH (connector = 'impulse', event_rate = '10'); SELECT counter FROM i",
            new PlanOptions { Connectors = BuiltIns.Connectors() });
        var bare = Arroyo.Dataflow.Serialization.PlanJson.CreateBuilder().Build();
        var error = Assert.ThrowsAny<Exception>(() => bare.Serialize(plan.Graph));
        Assert.Contains("SourceSpec", error.Message);
    }

    private static void AssertRoundTrips(PlannedPipeline plan)
    {
        var json = plan.ToJson();
        var back = plan.Json.DeserializeGraph(json);
        Assert.Equal(json, plan.Json.Serialize(back));
        Assert.Equal(plan.Graph.Nodes.Select(n => (n.Id, n.Operator.GetType(), n.Parallelism)), back.Nodes.Select(n => (n.Id, n.Operator.GetType(), n.Parallelism)));
        Assert.Equal(plan.Graph.Edges, back.Edges, (a, b) => a.Source == b.Source && a.Target == b.Target && a.Kind == b.Kind &&
            a.TargetInput == b.TargetInput && a.Keys.SequenceEqual(b.Keys));
        Assert.Equal(plan.Graph.Explain(), back.Explain());
    }

    private static PlannedPipeline? PlanNexmark(string name, long messages)
    {
        var sql = File.ReadAllText(Path.Combine(PlannerTestSupport.NexmarkDirectory(), name + ".sql"));
        sql = Regex.Replace(sql, @"message_count = '\d+'", $"message_count = '{messages}'");
        try
        {
            return PipelinePlanner.Plan(sql, new PlanOptions { Connectors = BuiltIns.Connectors(), Parallelism = 1 });
        }
        catch (UserException)
        {
            return null;
        }
    }

    /// <summary>Runs <paramref name="graph"/> with its sinks collected: the rows left after applying retractions, sorted.</summary>
    private static List<string> Run(DataflowGraph graph, FunctionLibrary? functions = null)
    {
        var connectors = BuiltIns.Connectors();
        var registry = BuiltIns.Operators(connectors);
        var collected = new List<string>();
        registry.Register<SinkSpec>((spec, _) => new CollectingSink(spec.Input, collected));
        var settings = new RunSettings { CheckpointInterval = Timeout.InfiniteTimeSpan, Functions = functions ?? FunctionLibrary.CreateBuiltins() };
        Runtime.TestPipeline.RunInMemory(graph, registry, settings);
        lock (collected) return collected.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>Keeps the rows a sink receives; a retraction removes one equal row.</summary>
    private sealed class CollectingSink(Schema input, List<string> rows) : IOperator
    {
        public void OnBatch(Batch batch, int inputIndex, IOutput output)
        {
            var retract = input.RetractIndex;
            var userColumns = Enumerable.Range(0, input.Count).Where(i => i != retract && i != input.TimestampIndex).ToArray();
            lock (rows)
            {
                for (var r = 0; r < batch.RowCount; r++)
                {
                    var row = batch.GetRow(r);
                    var text = CollectingOutput.Format(userColumns.Select(i => row[i]).ToArray());
                    if (retract >= 0 && row[retract] is true) rows.Remove(text);
                    else rows.Add(text);
                }
            }
        }
    }
}
