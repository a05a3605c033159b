using Arroyo.Core.Types;

namespace Arroyo.Dataflow;

/// <summary>
/// What one dataflow node does, as plain data: the planner creates specs, the runtime
/// builds operators from them through its registry, and EXPLAIN prints them. Subclasses
/// live in <c>Specs/</c>, one per operator kind.
/// </summary>
public abstract record OperatorSpec
{
    /// <summary>Schema of the batches this operator emits (sinks: empty).</summary>
    public abstract Schema OutputSchema { get; }

    /// <summary>One line for EXPLAIN and logs, e.g. <c>filter (counter % 2) = 0</c>.</summary>
    public abstract string Describe();

    /// <summary>True for specs that read from outside (no dataflow inputs).</summary>
    public virtual bool IsSource => false;

    /// <summary>What downstream reads of this node's output, where the planner proved it and the operator uses it (sources, filters); null otherwise.</summary>
    public virtual ColumnUsage? UsageOfOutput() => null;
}
