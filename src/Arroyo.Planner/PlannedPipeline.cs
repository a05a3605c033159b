using System.Text;
using Arroyo.Dataflow;
using Arroyo.Dataflow.Serialization;

namespace Arroyo.Planner;

/// <summary>One sink of the pipeline: the node id in <see cref="PlannedPipeline.Graph"/> and the table it writes.</summary>
public sealed record PlannedSink(int NodeId, string Table, string Connector, string? Format, bool IsUpdating, bool IsSelectOutput);

/// <summary>The result of planning a script: the dataflow graph and its sinks.</summary>
public sealed class PlannedPipeline
{
    private readonly Lazy<PlanJson> _json;

    /// <param name="json">
    /// Builds (or returns the planner's) JSON form. Called at the first use only: building its type
    /// information is a few hundredths of a CPU-second that a run which never writes its plan skips.
    /// </param>
    public PlannedPipeline(DataflowGraph graph, Func<PlanJson> json, IReadOnlyList<PlannedSink> sinks)
    {
        Graph = graph;
        _json = new Lazy<PlanJson>(json);
        Sinks = sinks;
    }

    public DataflowGraph Graph { get; }

    /// <summary>The plan's JSON form: every kind of spec and connector config the planner's catalog knows.</summary>
    public PlanJson Json => _json.Value;

    /// <summary>The graph as canonical JSON (see <see cref="PlanJson"/>).</summary>
    public string ToJson(bool indented = false) => Json.Serialize(Graph, indented);

    public IReadOnlyList<PlannedSink> Sinks { get; }

    /// <summary>True when the script asked to be explained (<c>EXPLAIN SELECT …</c>) rather than run.</summary>
    public bool IsExplain { get; init; }

    /// <summary>True when a bare SELECT prints its rows.</summary>
    public bool HasSelectOutput => Sinks.Any(s => s.IsSelectOutput);

    /// <summary>The EXPLAIN text: one line per node with its inputs, then each node's output schema.</summary>
    public string Explain()
    {
        var text = new StringBuilder(Graph.Explain());
        text.AppendLine();
        foreach (var node in Graph.Nodes)
        {
            var schema = node.Operator is Arroyo.Connectors.SinkSpec sink ? sink.Input : node.Operator.OutputSchema;
            text.AppendLine($"[{node.Id}] {schema}");
        }
        return text.ToString();
    }
}
