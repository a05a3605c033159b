using Arroyo.Dataflow;
using Arroyo.Planner.Logical;

namespace Arroyo.Planner.Physical;

/// <summary>
/// Numbers the plan nodes reachable from the sinks (inputs first, so ids are a topological
/// order) and turns their inputs into edges. A node reached twice is emitted once (fan-out).
/// </summary>
internal sealed class GraphBuilder
{
    private readonly int _parallelism;
    private readonly Dictionary<PlanNode, int> _ids = new(ReferenceEqualityComparer.Instance);
    private readonly List<DataflowNode> _nodes = [];
    private readonly List<DataflowEdge> _edges = [];

    public GraphBuilder(int parallelism)
    {
        _parallelism = parallelism;
    }

    public int Add(PlanNode node)
    {
        if (_ids.TryGetValue(node, out var id)) return id;
        var inputs = node.Inputs.Select(e => (Edge: e, Id: Add(e.From))).ToList();
        id = _nodes.Count + 1;
        _ids[node] = id;
        // Every operator runs at the pipeline's parallelism; sources that can only be read
        // once (single_file) decide for themselves which subtask reads.
        _nodes.Add(new DataflowNode(id, node.Spec, _parallelism));
        foreach (var (edge, from) in inputs)
        {
            _edges.Add(new DataflowEdge(from, id, edge.Kind, edge.TargetInput, edge.Kind == EdgeKind.Shuffle ? edge.Keys ?? [] : null));
        }
        return id;
    }

    public DataflowGraph Build() => new(ColumnPruning.Apply(_nodes, _edges), _edges.ToArray());
}
