using System.Xml.Linq;

namespace Arroyo.Engine.Tests.Architecture;

/// <summary>
/// The project references follow the layers of docs/architecture.md: nothing below the
/// runtime reaches it, operators and connectors see only the execution contract, and the
/// planner knows connectors only through the connector SDK. Read from the .csproj files, so
/// a reference that breaks a layer fails here before it spreads.
/// </summary>
public sealed class LayeringTests
{
    private static readonly Lazy<Dictionary<string, string[]>> s_references = new(ReadReferences);

    [Theory]
    [InlineData("Arroyo.Execution.Abstractions")]
    [InlineData("Arroyo.Operators")]
    [InlineData("Arroyo.Connectors")]
    [InlineData("Arroyo.Connectors.Builtin")]
    [InlineData("Arroyo.Connectors.Kafka")]
    [InlineData("Arroyo.Connectors.Http")]
    [InlineData("Arroyo.Connectors.Filesystem")]
    [InlineData("Arroyo.Connectors.Nats")]
    [InlineData("Arroyo.Connectors.RabbitMq")]
    [InlineData("Arroyo.Connectors.Kinesis")]
    [InlineData("Arroyo.Connectors.Redis")]
    [InlineData("Arroyo.Connectors.Mqtt")]
    [InlineData("Arroyo.Formats")]
    [InlineData("Arroyo.State")]
    [InlineData("Arroyo.Planner")]
    [InlineData("Arroyo.Dataflow")]
    [InlineData("Arroyo.Expressions")]
    public void Nothing_below_the_runtime_references_it(string project) =>
        Assert.DoesNotContain("Arroyo.Runtime", Closure(project));

    [Fact]
    public void The_planner_references_no_connector_project_state_or_storage()
    {
        var closure = Closure("Arroyo.Planner");
        Assert.DoesNotContain(closure, p => p.StartsWith("Arroyo.Connectors.", StringComparison.Ordinal));
        Assert.DoesNotContain("Arroyo.State", closure);
        Assert.DoesNotContain("Arroyo.Storage", closure);
        Assert.Contains("Arroyo.Connectors", closure);
    }

    [Theory]
    [InlineData("Arroyo.Operators")]
    [InlineData("Arroyo.Connectors")]
    [InlineData("Arroyo.Connectors.Builtin")]
    [InlineData("Arroyo.Connectors.Kafka")]
    [InlineData("Arroyo.Connectors.Http")]
    [InlineData("Arroyo.Connectors.Nats")]
    [InlineData("Arroyo.Connectors.RabbitMq")]
    [InlineData("Arroyo.Connectors.Kinesis")]
    [InlineData("Arroyo.Connectors.Redis")]
    [InlineData("Arroyo.Connectors.Mqtt")]
    public void Operators_and_connectors_see_the_contract_not_state_storage_or_planner(string project)
    {
        var closure = Closure(project);
        Assert.Contains("Arroyo.Execution.Abstractions", closure);
        Assert.DoesNotContain("Arroyo.State", closure);
        Assert.DoesNotContain("Arroyo.Storage", closure);
        Assert.DoesNotContain("Arroyo.Planner", closure);
        Assert.DoesNotContain("Arroyo.Host", closure);
    }

    /// <summary>File connectors put data on the object stores state dirs use (Arroyo.Storage), never on state itself.</summary>
    [Fact]
    public void The_filesystem_connector_sees_the_contract_and_object_stores_not_state_or_planner()
    {
        var closure = Closure("Arroyo.Connectors.Filesystem");
        Assert.Contains("Arroyo.Execution.Abstractions", closure);
        Assert.Contains("Arroyo.Storage.Cloud", closure);
        Assert.DoesNotContain("Arroyo.State", closure);
        Assert.DoesNotContain("Arroyo.Planner", closure);
        Assert.DoesNotContain("Arroyo.Host", closure);
    }

    [Fact]
    public void Only_the_cli_composes_connector_projects()
    {
        foreach (var (project, references) in s_references.Value)
        {
            if (project == "Arroyo.Cli") continue;
            Assert.DoesNotContain(references, r => r.StartsWith("Arroyo.Connectors.", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_web_server_is_a_client_of_the_host_and_only_the_cli_uses_it()
    {
        Assert.Equal(["Arroyo.Host"], s_references.Value["Arroyo.Web"]);
        foreach (var (project, references) in s_references.Value)
        {
            if (project is "Arroyo.Cli") continue;
            Assert.DoesNotContain("Arroyo.Web", references);
        }
    }

    /// <summary>
    /// User code compiles against the attributes alone (a tiny assembly of no dependencies); the
    /// UDF compiler sits beside the planner, below the runtime, and only the CLI composes it.
    /// </summary>
    [Fact]
    public void Udf_attributes_stand_alone_and_only_the_cli_composes_the_udf_compiler()
    {
        Assert.Empty(s_references.Value["Arroyo.Udfs.Attributes"]);
        var closure = Closure("Arroyo.Udfs");
        Assert.Contains("Arroyo.Expressions", closure);
        Assert.DoesNotContain("Arroyo.Runtime", closure);
        Assert.DoesNotContain("Arroyo.Host", closure);
        foreach (var (project, references) in s_references.Value)
        {
            if (project is "Arroyo.Cli") continue;
            Assert.DoesNotContain("Arroyo.Udfs", references);
        }
    }

    [Fact]
    public void Every_source_project_is_seen() =>
        Assert.Superset(new HashSet<string>
        {
            "Arroyo.Cli",
            "Arroyo.Host",
            "Arroyo.Runtime",
            "Arroyo.Execution.Abstractions",
            "Arroyo.Connectors.Builtin",
            "Arroyo.Web",
            "Arroyo.Connectors.Kafka",
            "Arroyo.Connectors.Filesystem",
            "Arroyo.Connectors.Http",
            "Arroyo.Connectors.Nats",
            "Arroyo.Connectors.RabbitMq",
            "Arroyo.Connectors.Kinesis",
            "Arroyo.Connectors.Redis",
            "Arroyo.Connectors.Mqtt",
        },
            s_references.Value.Keys.ToHashSet());

    private static HashSet<string> Closure(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(s_references.Value[project]);
        while (pending.TryPop(out var next))
        {
            if (seen.Add(next)) foreach (var r in s_references.Value[next]) pending.Push(r);
        }
        return seen;
    }

    private static Dictionary<string, string[]> ReadReferences()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Arroyo.slnx"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return Directory.GetFiles(Path.Combine(dir.FullName, "src"), "*.csproj", SearchOption.AllDirectories)
            .ToDictionary(
                path => Path.GetFileNameWithoutExtension(path),
                path => XDocument.Load(path).Descendants("ProjectReference")
                    .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value))
                    .ToArray());
    }
}
