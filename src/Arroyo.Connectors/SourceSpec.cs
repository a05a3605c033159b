using Arroyo.Core.Types;
using Arroyo.Dataflow;

namespace Arroyo.Connectors;

/// <summary>Reads a connector table. <paramref name="Output"/> is usually <see cref="ConnectorTable.SourceSchema"/>.</summary>
public sealed record SourceSpec(ConnectorTable Table, Schema Output) : OperatorSpec
{
    public override Schema OutputSchema => Output;

    public override bool IsSource => true;

    /// <summary>
    /// What downstream reads of the output, when the planner could prove it (null: assume
    /// everything). A source may leave the rest as placeholders (<see cref="Arroyo.Core.Columns.PlaceholderColumns"/>).
    /// </summary>
    public ColumnUsage? Usage { get; init; }

    public override ColumnUsage? UsageOfOutput() => Usage;

    public override string Describe() => $"source {Table.Name}: {Table.Description}";
}
