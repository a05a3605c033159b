using System.Text;

namespace Arroyo.Dataflow;

/// <summary>How rows travel along an edge between the subtasks of two nodes.</summary>
public enum EdgeKind
{
    /// <summary>Subtask i sends to subtask i; both nodes have the same parallelism. Chainable.</summary>
    Forward,

    /// <summary>Rows go to the subtask owning the hash of their key columns (<see cref="Arroyo.Core.Partitioning.KeyRange"/>).</summary>
    Shuffle,

    /// <summary>Every row goes to every subtask of the target.</summary>
    Broadcast,
}

/// <summary>One node: an operator spec run as <see cref="Parallelism"/> subtasks.</summary>
public sealed record DataflowNode(int Id, OperatorSpec Operator, int Parallelism);

/// <summary>
/// An edge from <see cref="Source"/> to <see cref="Target"/>. <see cref="TargetInput"/> is the
/// target's logical input (0, or 1 for the right side of a join). For shuffles,
/// <see cref="KeyColumns"/> are column indices in the source's output schema.
/// </summary>
public sealed record DataflowEdge(int Source, int Target, EdgeKind Kind, int TargetInput = 0, IReadOnlyList<int>? KeyColumns = null)
{
    public IReadOnlyList<int> Keys => KeyColumns ?? [];
}

/// <summary>The whole pipeline as data: nodes in topological order and the edges between them.</summary>
public sealed class DataflowGraph
{
    public DataflowGraph(IReadOnlyList<DataflowNode> nodes, IReadOnlyList<DataflowEdge> edges)
    {
        Nodes = nodes;
        Edges = edges;
    }

    public IReadOnlyList<DataflowNode> Nodes { get; }

    public IReadOnlyList<DataflowEdge> Edges { get; }

    public DataflowNode Node(int id) => Nodes.First(n => n.Id == id);

    public IEnumerable<DataflowEdge> InputsOf(int id) => Edges.Where(e => e.Target == id);

    public IEnumerable<DataflowEdge> OutputsOf(int id) => Edges.Where(e => e.Source == id);

    /// <summary>The EXPLAIN text: one line per node with its inputs.</summary>
    public string Explain()
    {
        var text = new StringBuilder();
        foreach (var node in Nodes)
        {
            text.Append($"[{node.Id}] {node.Operator.Describe()} (parallelism {node.Parallelism})");
            var inputs = InputsOf(node.Id).ToList();
            if (inputs.Count > 0)
            {
                text.Append(" <- ");
                text.Append(string.Join(", ", inputs.Select(e =>
                    e.Kind == EdgeKind.Shuffle ? $"[{e.Source}] shuffle({string.Join(",", e.Keys)})" : $"[{e.Source}] {e.Kind.ToString().ToLowerInvariant()}")));
            }
            text.AppendLine();
        }
        return text.ToString();
    }
}
