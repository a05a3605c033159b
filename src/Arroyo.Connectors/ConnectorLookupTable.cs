using Arroyo.Dataflow.Specs;

namespace Arroyo.Connectors;

/// <summary>The table of a lookup join, as its connector bound it; the runtime asks that connector's <see cref="IConnectorRuntime.CreateLookup"/> for the rows.</summary>
public sealed record ConnectorLookupTable(ConnectorTable Table) : LookupTableRef
{
    public override string Name => Table.Name;

    public override string Describe() => $"{Table.Name}: {Table.Description}";
}
