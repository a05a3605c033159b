using Arroyo.Core.Types;
using Arroyo.Dataflow;

namespace Arroyo.Connectors;

/// <summary>
/// Writes batches of <paramref name="Input"/> to a connector table. Columns are written in
/// schema order under their names; <c>_timestamp</c> and <c>_is_retract</c> are not written
/// (an updating input is encoded as debezium changes when the format is debezium_json).
/// </summary>
public sealed record SinkSpec(ConnectorTable Table, Schema Input) : OperatorSpec
{
    private static readonly Schema s_empty = new([]);

    /// <summary>For an updating input: the key columns (indices in <see cref="Input"/>) so debezium sinks can write updates as one "u" record.</summary>
    public IReadOnlyList<int>? UpdateKeys { get; init; }

    public override Schema OutputSchema => s_empty;

    public override string Describe() => $"sink {Table.Name}: {Table.Description}";
}
