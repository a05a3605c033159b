using Arroyo.Dataflow;
using Arroyo.Planner.Logical;

namespace Arroyo.Planner.Physical;

/// <summary>
/// Numbers the plan nodes reachable from the sinks (inputs first, so ids are a topological
/// order) and turns their inputs into edges. A node reached twice is emitted once (fan-out),
/// and so is a node that does what an earlier one does on the same inputs (a subquery written
/// twice, as in Nexmark q5): its consumers read the earlier node, so the work and the state
/// exist once.
/// </summary>
internal sealed class GraphBuilder
{
    private readonly int _parallelism;
    private readonly Dictionary<PlanNode, int> _ids = new(ReferenceEqualityComparer.Instance);
    private readonly List<DataflowNode> _nodes = [];
    private readonly List<DataflowEdge> _edges = [];
    // Nodes with inputs, by a cheap signature (spec description and input edges); entries
    // with equal signatures are then compared member by member.
    private readonly Dictionary<string, List<int>> _bySignature = new(StringComparer.Ordinal);

    public GraphBuilder(int parallelism)
    {
        _parallelism = parallelism;
    }

    public int Add(PlanNode node)
    {
        if (_ids.TryGetValue(node, out var id)) return id;
        var inputs = node.Inputs.Select(e => (Edge: e, Id: Add(e.From))).ToList();
        var signature = inputs.Count == 0 || node.Spec is Arroyo.Connectors.SinkSpec ? null
            : node.Spec.GetType().Name + "|" + node.Spec.Describe() + "|" +
              string.Join(";", inputs.Select(i => $"{i.Id}:{i.Edge.Kind}:{i.Edge.TargetInput}:{string.Join(",", i.Edge.Keys ?? [])}"));
        if (signature is not null && _bySignature.TryGetValue(signature, out var candidates))
        {
            foreach (var candidate in candidates)
            {
                if (!SpecEquality.Same(_nodes[candidate - 1].Operator, node.Spec)) continue;
                _ids[node] = candidate;
                return candidate;
            }
        }
        id = _nodes.Count + 1;
        if (signature is not null)
        {
            if (!_bySignature.TryGetValue(signature, out var list)) _bySignature[signature] = list = [];
            list.Add(id);
        }
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
