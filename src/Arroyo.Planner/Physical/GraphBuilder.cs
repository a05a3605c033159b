using Arroyo.Dataflow;
using Arroyo.Planner.Logical;
using Arroyo.Dataflow.Specs;

namespace Arroyo.Planner.Physical;

/// <summary>
/// Numbers the plan nodes reachable from the sinks (inputs first, so ids are a topological
/// order) and turns their inputs into edges. A node reached twice is emitted once (fan-out),
/// and so is a node that does what an earlier one does on the same inputs (a subquery written
/// twice, as in Nexmark q5): its consumers read the earlier node, so the work and the state
/// exist once. A windowed aggregate whose calls merge exactly gets a partial aggregate before
/// its shuffle here (<see cref="PreAggregation"/>), after the logical rewrites that look for
/// the aggregate's own shape (<see cref="WindowMaxJoin"/>).
/// </summary>
internal sealed class GraphBuilder
{
    private readonly int _parallelism;
    private readonly SpecEquality _equality;
    // The registry the merging calls are bound in; null when pre-aggregation is switched off.
    private readonly Arroyo.Expressions.Aggregates.AggregateRegistry? _aggregates;
    // Canonical JSON of nodes in the signature index (null: never shared), computed only once
    // another node with the same signature comes: serialising specs is the planner's costliest
    // step at start-up (each spec type's JSON metadata is built and compiled on first use), and
    // most nodes have no look-alike.
    private readonly Dictionary<int, string?> _canonical = [];
    private readonly Dictionary<PlanNode, int> _ids = new(ReferenceEqualityComparer.Instance);
    private readonly List<DataflowNode> _nodes = [];
    private readonly List<DataflowEdge> _edges = [];
    // Nodes with inputs, by a cheap signature (spec description and input edges); entries
    // with equal signatures are then compared by their canonical JSON.
    private readonly Dictionary<string, List<int>> _bySignature = new(StringComparer.Ordinal);

    public GraphBuilder(int parallelism, SpecEquality equality, Arroyo.Expressions.Aggregates.AggregateRegistry? aggregates)
    {
        _aggregates = aggregates;
        _parallelism = parallelism;
        _equality = equality;
    }

    public int Add(PlanNode node)
    {
        if (_ids.TryGetValue(node, out var id)) return id;
        var planned = _aggregates is null ? node : PreAggregation.Apply(node, _aggregates);
        if (!ReferenceEquals(planned, node))
        {
            id = Add(planned);
            _ids[node] = id;
            return id;
        }
        var inputs = node.Inputs.Select(e => (Edge: e, Id: Add(e.From))).ToList();
        var signature = inputs.Count == 0 || node.Spec is Arroyo.Connectors.SinkSpec ? null
            : node.Spec.GetType().Name + "|" + node.Spec.Describe() + "|" +
              string.Join(";", inputs.Select(i => $"{i.Id}:{i.Edge.Kind}:{i.Edge.TargetInput}:{string.Join(",", i.Edge.Keys ?? [])}"));
        string? canonical = null;
        if (signature is not null && _bySignature.TryGetValue(signature, out var candidates))
        {
            canonical = _equality.Canonical(node.Spec);
            foreach (var candidate in candidates)
            {
                if (canonical is null || CanonicalOf(candidate) != canonical) continue;
                _ids[node] = candidate;
                return candidate;
            }
        }
        id = _nodes.Count + 1;
        if (signature is not null)
        {
            if (!_bySignature.TryGetValue(signature, out var list)) _bySignature[signature] = list = [];
            list.Add(id);
            if (canonical is not null) _canonical[id] = canonical;
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

    private string? CanonicalOf(int id)
    {
        if (!_canonical.TryGetValue(id, out var text)) _canonical[id] = text = _equality.Canonical(_nodes[id - 1].Operator);
        return text;
    }

    public DataflowGraph Build() => new(ColumnPruning.Apply(_nodes, _edges), _edges.ToArray());
}
