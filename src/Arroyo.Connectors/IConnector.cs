using Arroyo.Dataflow.Serialization;
using Arroyo.Execution;

namespace Arroyo.Connectors;

/// <summary>What a table of a connector can be used as.</summary>
[Flags]
public enum ConnectorRoles
{
    None = 0,
    Source = 1,
    Sink = 2,
    Lookup = 4,
}

/// <summary>The role of one bound table (the <c>type</c> option, or inferred).</summary>
public enum TableRole
{
    Source,
    Sink,
    Lookup,
}

/// <summary>
/// The planning half of a connector, known by its <c>connector = '…'</c> name. The planner
/// calls <see cref="Bind"/> once per CREATE TABLE (validating every WITH option) and keeps the
/// resulting <see cref="ConnectorTable"/> in the plan; it never needs the runtime half.
/// </summary>
public interface IConnector
{
    /// <summary>The name used in <c>connector = '…'</c>, lower case.</summary>
    string Name { get; }

    ConnectorRoles Roles { get; }

    /// <summary>Validates the options and declared columns; throws <see cref="Arroyo.Core.Errors.UserException"/> on a mistake.</summary>
    ConnectorTable Bind(TableDefinition definition);

    /// <summary>
    /// Registers this connector's <see cref="ConnectorConfig"/> type with the plan's JSON
    /// (<c>json.AddResolver(context).AddDerived&lt;ConnectorConfig, MyConfig&gt;(Name)</c>), so a
    /// plan reading or writing its tables serialises. The default registers nothing: such plans
    /// run but cannot be written as JSON.
    /// </summary>
    void AddJsonTypes(PlanJson.Builder json)
    {
    }
}

/// <summary>
/// The runtime half of a connector: creates one source or sink per subtask for a table its
/// planning half bound. Called on the subtask's thread before <c>Open</c>. A connector
/// registered without a runtime half plans, and then stops with "not supported yet".
/// </summary>
public interface IConnectorRuntime
{
    /// <summary>A source subtask reading <c>spec.Table</c> and emitting batches of <c>spec.Output</c>.</summary>
    ISource CreateSource(SourceSpec spec, OperatorContext context) =>
        throw ConnectorErrors.NotSupportedYet(spec.Table.Connector, "source");

    /// <summary>A sink subtask writing batches of <c>spec.Input</c> to <c>spec.Table</c>.</summary>
    IOperator CreateSink(SinkSpec spec, OperatorContext context) =>
        throw ConnectorErrors.NotSupportedYet(spec.Table.Connector, "sink");

    /// <summary>
    /// The rows of <paramref name="table"/> for a lookup join (<paramref name="spec"/>: its key
    /// columns in <see cref="Arroyo.Dataflow.Specs.LookupJoinSpec.LookupKeyColumns"/>, the columns to return in
    /// <see cref="Arroyo.Dataflow.Specs.LookupJoinSpec.Lookup"/>).
    /// </summary>
    ILookupSource CreateLookup(ConnectorTable table, Arroyo.Dataflow.Specs.LookupJoinSpec spec, OperatorContext context) =>
        throw ConnectorErrors.NotSupportedYet(table.Connector, "lookup table");
}
