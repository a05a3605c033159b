using Arroyo.Connectors;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Sql.Ast;

namespace Arroyo.Planner.Catalog;

/// <summary>Turns CREATE TABLE statements into catalog entries.</summary>
internal static class TableBuilder
{
    public static CatalogEntry Create(CreateTableStatement statement, Arroyo.Connectors.ConnectorCatalog connectors)
    {
        var name = statement.Name.Last.Value;
        var options = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var optionNodes = new Dictionary<string, SqlOption>(StringComparer.OrdinalIgnoreCase);
        foreach (var option in statement.Options)
        {
            options[option.Key] = option.Text;
            optionNodes[option.Key] = option;
        }

        var columns = statement.Columns.Select(Column).ToList();
        var primaryKeys = statement.Constraints.OfType<PrimaryKeyConstraint>().SelectMany(p => p.Columns).Select(c => c.Value).ToHashSet();
        if (primaryKeys.Count > 0)
        {
            columns = columns.Select(c => primaryKeys.Contains(c.Name) ? c with { PrimaryKey = true } : c).ToList();
        }
        foreach (var reserved in columns.Where(c => c.Name is Schema.TimestampFieldName or Schema.RetractFieldName))
        {
            throw new UserException($"Error during planning: column name '{reserved.Name}' is reserved", reserved.Span);
        }

        if (!options.TryGetValue("connector", out var connector))
        {
            if (statement.AsQuery is not null) return new MemoryTable(name, statement.Span, null);
            if (statement.Options.Count > 0)
            {
                throw new UserException($"table {name} has options but no 'connector'", statement.Options[0].Span);
            }
            return new MemoryTable(name, statement.Span, columns.Select(c => c.ToField()).ToArray());
        }

        var definition = new TableDefinition(
            name,
            columns.Where(c => !c.IsVirtual && c.MetadataKey is null).Select(c => c.ToField()).ToArray(),
            options,
            statement.Span)
        {
            OptionSpans = statement.Options.GroupBy(o => o.Key, StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.Last().Span, StringComparer.OrdinalIgnoreCase),
            PrimaryKey = columns.Where(c => c.PrimaryKey).Select(c => c.Name).ToArray(),
            MetadataColumns = columns.Where(c => c.MetadataKey is not null).Select(c => new MetadataColumn(c.ToField(), c.MetadataKey!)).ToArray(),
            GeneratedColumns = columns.Where(c => c.IsVirtual).Select(c => c.Name).ToArray(),
            UsedAs = statement.Temporary && !options.ContainsKey("type") ? TableRole.Lookup : null,
            PartitionedBy = statement.PartitionedBy.Select(PartitionOf).ToArray(),
        };
        var bound = connectors.Bind(definition);
        var inferred = !statement.HasColumnList || columns.Count == 0;
        if (inferred && bound.HasFixedSchema)
        {
            columns = bound.Fields.Select(f => new TableColumn(f.Name, f.Type, f.Nullable, null, null, false, statement.Span)).ToList();
            inferred = false;
        }
        if (inferred && bound.Role is not TableRole.Sink && !bound.Supports(TableRole.Sink))
        {
            throw new UserException($"Error during planning: table {name} needs a column list: connector '{connector}' does not define a schema", statement.Name.Span);
        }

        var watermark = statement.Constraints.OfType<WatermarkConstraint>().FirstOrDefault();
        if (watermark is not null && !columns.Any(c => c.Name == watermark.Column.Value))
        {
            throw new UserException($"Error during planning: WATERMARK FOR column '{watermark.Column.Original}' is not a column of {name}", watermark.Column.Span);
        }
        options.TryGetValue("format", out var format);
        var table = new DeclaredTable(name, statement.Span)
        {
            Connector = bound.Connector,
            Bound = bound,
            Options = options,
            OptionNodes = optionNodes,
            Role = bound.Role,
            Columns = columns,
            SchemaInferred = inferred,
            Format = format?.ToLowerInvariant(),
            Watermark = watermark,
            EventTimeField = bound.EventTimeField,
            WatermarkField = bound.WatermarkField,
            IdleTimeout = bound.IdleTime,
            Temporary = statement.Temporary,
            PartitionedBy = statement.PartitionedBy,
        };
        ConnectorRules.Validate(table);
        return table;
    }

    /// <summary>A PARTITIONED BY expression as connectors read it: a plain call on columns and integers, or only its place.</summary>
    private static PartitionExpression PartitionOf(Expr expression)
    {
        if (expression is not FunctionCall { Name.Parts.Count: 1, Distinct: false, Over: null, Filter: null } call)
        {
            return new PartitionExpression(expression.Span, null, []);
        }
        var arguments = call.Arguments.Select(argument => argument switch
        {
            IdentifierExpr column => new PartitionArgument(column.Span, column.Name.Value, null),
            NumberLiteral { IsInteger: true } number when long.TryParse(number.Text, System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var value) => new PartitionArgument(number.Span, null, value),
            _ => new PartitionArgument(argument.Span, null, null),
        }).ToArray();
        return new PartitionExpression(call.Span, call.Name.Last.Value, arguments);
    }

    private static TableColumn Column(ColumnDefinition c)
    {
        var (generated, metadataKey) = (c.GeneratedAs, c.MetadataKey?.Value);
        // The reference's spelling of a metadata column, `GENERATED ALWAYS AS (metadata('key'))`,
        // is the same column as `METADATA FROM 'key'`.
        if (generated is FunctionCall { Name.Value: var name, Arguments: var args } call && string.Equals(name, "metadata", StringComparison.OrdinalIgnoreCase))
        {
            if (args is not [StringLiteral key])
            {
                throw new UserException("for metadata columns, the metadata call must have a single literal string argument, e.g. metadata('offset')", call.Span);
            }
            (generated, metadataKey) = (null, key.Value);
        }
        return new TableColumn(c.Name.Value, TypeMapper.Map(c.Type), c.Nullability != Nullability.NotNull, generated, metadataKey, c.PrimaryKey, c.Span);
    }
}
