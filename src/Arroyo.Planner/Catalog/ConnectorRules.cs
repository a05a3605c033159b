using Arroyo.Connectors;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Dataflow;

namespace Arroyo.Planner.Catalog;

/// <summary>
/// The planner's rules about connector tables: the role a table plays, and the source/sink
/// specs of the dataflow graph. Binding goes through the run's <see cref="ConnectorCatalog"/>
/// (<see cref="PlanOptions.Connectors"/>); no connector is known here by name.
/// </summary>
internal static class ConnectorRules
{
    /// <summary>Checks the rules the planner owns about a connector table.</summary>
    public static void Validate(DeclaredTable table)
    {
        if (table.IsUpdating && table.Columns.Any(c => c.IsVirtual))
        {
            throw new UserException(
                $"Failed to create table {table.Name} caused by Error during planning: can't use virtual fields with debezium format",
                table.Span);
        }
    }

    /// <summary>Fixes the role of a table whose connector left it open, from how the query uses it.</summary>
    public static void Use(DeclaredTable table, TableRole role, SourceSpan span)
    {
        if (table.Role is not null) return;
        if (!table.Bound.Supports(role))
        {
            throw new UserException($"connector '{table.Connector}' cannot be used as a {role.ToString().ToLowerInvariant()}", span);
        }
        table.Role = role;
    }

    /// <summary>The source node's spec: reads the table's physical and metadata fields plus <c>_timestamp</c>.</summary>
    public static OperatorSpec CreateSource(DeclaredTable table, Schema output) => new SourceSpec(table.Bound, output);

    /// <summary>The sink node's spec, consuming rows of <paramref name="input"/>.</summary>
    public static SinkSpec CreateSink(DeclaredTable table, Schema input) => new(table.Bound, input);

    /// <summary>The sink of a bare SELECT: the catalog's output for them (JSON lines on stdout in the CLI).</summary>
    public static SinkSpec CreateSelectSink(Schema input, ConnectorCatalog connectors)
    {
        var fields = input.Fields.Where(f => f.Name is not Schema.TimestampFieldName and not Schema.RetractFieldName).ToArray();
        return new SinkSpec(connectors.BindSelectOutput(fields, input.IsUpdating), input);
    }
}
