using Arroyo.Connectors;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Dataflow;

namespace Arroyo.Planner.Catalog;

/// <summary>
/// The planner's view of connectors (Arroyo.Connectors): binding a CREATE TABLE, the role a
/// table plays, and the source/sink specs of the dataflow graph. Everything the planner asks
/// of connectors goes through this one class.
/// </summary>
internal static class ConnectorCatalog
{
    public static Arroyo.Connectors.ConnectorTable Bind(TableDefinition definition) => ConnectorRegistry.Default.Bind(definition);

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

    /// <summary>The sink of a bare SELECT: JSON lines on stdout.</summary>
    public static SinkSpec CreateStdoutSink(Schema input)
    {
        var fields = input.Fields.Where(f => f.Name is not Schema.TimestampFieldName and not Schema.RetractFieldName).ToArray();
        var table = Bind(new TableDefinition("stdout", fields,
            new Dictionary<string, string> { ["connector"] = "stdout", ["format"] = input.IsUpdating ? "debezium_json" : "json", ["type"] = "sink" }));
        return new SinkSpec(table, input);
    }
}
