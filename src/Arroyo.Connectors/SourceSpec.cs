using Arroyo.Core.Types;
using Arroyo.Dataflow;

namespace Arroyo.Connectors;

/// <summary>Reads a connector table. <paramref name="Output"/> is usually <see cref="ConnectorTable.SourceSchema"/>.</summary>
public sealed record SourceSpec(ConnectorTable Table, Schema Output) : OperatorSpec
{
    public override Schema OutputSchema => Output;

    public override bool IsSource => true;

    public override string Describe() => $"source {Table.Name}: {Table.Description}";
}
