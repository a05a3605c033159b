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

    /// <summary>
    /// Groups nodes into operator chains, which run as one subtask each: a node joins its
    /// upstream's chain when it is that node's only consumer, over a forward edge, with the
    /// same parallelism, and has no other input. Chains are in node order.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<DataflowNode>> Chains()
    {
        var chains = new List<List<DataflowNode>>();
        var chainOf = new Dictionary<int, List<DataflowNode>>();
        foreach (var node in Nodes)
        {
            var inputs = InputsOf(node.Id).ToList();
            if (inputs.Count == 1 && inputs[0].Kind == EdgeKind.Forward)
            {
                var upstream = Node(inputs[0].Source);
                if (upstream.Parallelism == node.Parallelism && OutputsOf(upstream.Id).Count() == 1 &&
                    chainOf.TryGetValue(upstream.Id, out var upstreamChain) && upstreamChain[^1] == upstream)
                {
                    upstreamChain.Add(node);
                    chainOf[node.Id] = upstreamChain;
                    continue;
                }
            }
            var chain = new List<DataflowNode> { node };
            chains.Add(chain);
            chainOf[node.Id] = chain;
        }
        return chains;
    }

    /// <summary>
    /// The EXPLAIN text, printed from the plan's data: per node its spec (keys, windows and
    /// aggregates by column name), parallelism and chain, its inputs with their edge kinds
    /// (shuffles with their key columns), and, where the planner proved it, which of its output
    /// columns and rows downstream reads.
    /// </summary>
    public string Explain()
    {
        var text = new StringBuilder();
        var chainOf = new Dictionary<int, int>();
        var chains = Chains();
        for (var c = 0; c < chains.Count; c++)
        {
            foreach (var node in chains[c]) chainOf[node.Id] = c + 1;
        }
        foreach (var node in Nodes)
        {
            text.Append($"[{node.Id}] {node.Operator.Describe()} (parallelism {node.Parallelism}, chain {chainOf[node.Id]})");
            var inputs = InputsOf(node.Id).ToList();
            if (inputs.Count > 0)
            {
                text.Append(" <- ");
                text.Append(string.Join(", ", inputs.Select(DescribeInput)));
            }
            text.AppendLine();
            if (node.Operator.UsageOfOutput() is { } usage) text.Append("      reads ").AppendLine(usage.Describe(node.Operator.OutputSchema));
        }
        return text.ToString();
    }

    private string DescribeInput(DataflowEdge edge)
    {
        var side = edge.TargetInput == 0 ? "" : $" as input {edge.TargetInput}";
        if (edge.Kind != EdgeKind.Shuffle) return $"[{edge.Source}] {edge.Kind.ToString().ToLowerInvariant()}{side}";
        var schema = Node(edge.Source).Operator.OutputSchema;
        return $"[{edge.Source}] shuffle({string.Join(", ", edge.Keys.Select(k => k < schema.Count ? schema[k].Name : "#" + k))}){side}";
    }
}
