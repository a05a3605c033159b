using Arroyo.Connectors;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Planner.Binding;
using Arroyo.Planner.Catalog;
using Arroyo.Planner.Logical;
using Arroyo.Planner.Physical;
using Arroyo.Sql.Ast;
using Arroyo.Sql;

namespace Arroyo.Planner;

/// <summary>
/// Plans a SQL script into a dataflow graph: statements are processed in order (tables and
/// views enter the catalog, SET changes settings, each INSERT and each bare SELECT adds a
/// sink), then the nodes reachable from the sinks are numbered into the graph.
/// </summary>
public static class PipelinePlanner
{
    public static PlannedPipeline Plan(string sql, PlanOptions options)
    {
        if (options.Parallelism < 1) throw new UserException("parallelism must be at least 1");
        var context = new PlannerContext(sql, options);
        foreach (var prelude in options.Prelude)
        {
            foreach (var statement in SqlParser.ParseScript(prelude)) Declare(statement, new PlannerContext(prelude, options), context);
        }
        // The script may redefine prelude tables (as the reference's schema provider allows).
        context.Predefined.UnionWith(context.Tables.Keys);
        var statements = SqlParser.ParseScript(sql);
        var sinks = new List<(PlanNode Node, SinkSpec Spec)>();
        var inserts = new List<(ConnectorTable Table, SourceSpan Span)>();
        var explain = false;
        foreach (var written in statements)
        {
            var statement = written;
            if (written is ExplainStatement explained)
            {
                explain = true;
                statement = explained.Statement;
            }
            switch (statement)
            {
                case InsertStatement insert:
                    if (Insert(insert, context) is { } sink)
                    {
                        sinks.Add(sink);
                        inserts.Add((sink.Item2.Table, insert.Table.Span));
                    }
                    break;
                case QueryStatement query:
                    sinks.Add(Select(query, context));
                    break;
                default:
                    Declare(statement, context, context);
                    break;
            }
        }
        if (sinks.Count == 0)
        {
            throw new UserException("The provided SQL does not contain a query", hint: "add an INSERT INTO … SELECT or a SELECT statement");
        }
        SinkFileRules.Check(inserts, context);
        TopNLimit.RequireLimits(sinks.Select(s => s.Node), context);
        sinks = MergeSinksOfOneTable(sinks);
        var builder = new GraphBuilder(options.Parallelism, context.Equality, PreAggregation.Enabled(options.Config) ? context.Functions.Aggregates : null);
        var planned = sinks.Select(s => (Id: builder.Add(s.Node), s.Spec)).ToList();
        return new PlannedPipeline(builder.Build(), () => context.Json,
            planned.Select(p => new PlannedSink(p.Id, p.Spec.Table.Name, p.Spec.Table.Connector,
                p.Spec.Table.Options.GetValueOrDefault("format"), p.Spec.Input.IsUpdating, p.Spec.Table.IsSelectOutput)).ToArray())
        {
            IsExplain = explain,
        };
    }

    /// <summary>
    /// Several INSERTs into one connector table become one sink node with an input per
    /// INSERT (as the reference merges them), so one set of sink subtasks owns the table's
    /// output and its exactly-once bookkeeping. Stdout sinks of bare SELECTs stay separate.
    /// </summary>
    private static List<(PlanNode Node, SinkSpec Spec)> MergeSinksOfOneTable(List<(PlanNode Node, SinkSpec Spec)> sinks)
    {
        var merged = new List<(PlanNode Node, SinkSpec Spec)>();
        var byTable = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var sink in sinks)
        {
            var table = sink.Spec.Table;
            if (table.IsSelectOutput || !byTable.TryGetValue(table.Name, out var index))
            {
                if (!table.IsSelectOutput) byTable[table.Name] = merged.Count;
                merged.Add(sink);
                continue;
            }
            var first = merged[index];
            if (!SameColumns(first.Node.Schema, sink.Node.Schema))
            {
                throw new UserException(
                    $"Error during planning: the queries inserting into '{table.Name}' produce different columns " +
                    $"({first.Node.Schema}) and ({sink.Node.Schema})",
                    hint: "declare the table's columns, or make every INSERT select the same columns");
            }
            var inputs = first.Node.Inputs.Concat(sink.Node.Inputs).ToArray();
            // Every input must name its keys alike for the sink to merge updates by them.
            var spec = SameKeys(first.Spec.UpdateKeys, sink.Spec.UpdateKeys) ? first.Spec : first.Spec with { UpdateKeys = null };
            merged[index] = (new PlanNode(spec, inputs, first.Node.Schema), spec);
        }
        return merged;
    }

    private static bool SameKeys(IReadOnlyList<int>? a, IReadOnlyList<int>? b) => a is not null && b is not null && a.SequenceEqual(b);

    private static bool SameColumns(Schema a, Schema b) =>
        a.Count == b.Count && a.Fields.Zip(b.Fields).All(p => p.First.Name == p.Second.Name && p.First.Type == p.Second.Type);

    /// <summary>CREATE TABLE / VIEW and SET: catalog and settings changes.</summary>
    private static void Declare(Statement statement, PlannerContext parse, PlannerContext target)
    {
        switch (statement)
        {
            case CreateTableStatement create:
            {
                var name = create.Name.Last.Value;
                if (target.Tables.ContainsKey(name) && !target.Predefined.Remove(name))
                {
                    if (create.IfNotExists) return;
                    throw new UserException($"Error during planning: table '{name}' already exists", create.Name.Span);
                }
                var entry = TableBuilder.Create(create, target.Options.Connectors);
                target.Tables[name] = entry;
                if (create.AsQuery is not null && entry is MemoryTable memory)
                {
                    var relation = new QueryBinder(parse).BindQuery(create.AsQuery);
                    memory.Writer = relation.Node;
                }
                break;
            }
            case CreateViewStatement view:
            {
                var name = view.Name.Last.Value;
                if (target.Tables.ContainsKey(name) && !view.OrReplace)
                {
                    throw new UserException($"Error during planning: table '{name}' already exists", view.Name.Span);
                }
                target.Tables[name] = new ViewEntry(name, view.Span, view.Query, view.Columns);
                break;
            }
            case SetStatement set:
                Set(set, target);
                break;
            case CreateFunctionStatement:
                // Compiled and registered before planning (Arroyo.Udfs); calls bind through the registries.
                break;
            default:
                throw new UserException($"This feature is not implemented: statement {statement.GetType().Name}", statement.Span);
        }
    }

    private static void Set(SetStatement set, PlannerContext context)
    {
        var name = set.Name.Value;
        if (!string.Equals(name, "updating_ttl", StringComparison.OrdinalIgnoreCase))
        {
            throw new UserException($"Error during planning: unknown setting '{set.Name}'.{Suggestions.DidYouMean(name, ["updating_ttl"])}".TrimEnd('.'), set.Name.Span);
        }
        IntervalValue value;
        switch (set.Value)
        {
            case IntervalLiteral interval:
                value = ExprBinder.Interval(interval);
                break;
            case StringLiteral s when ExprBinder.TryInterval(s.Value, out var parsed):
                value = parsed;
                break;
            default:
                throw new UserException("Error during planning: updating_ttl must be an interval, e.g. INTERVAL '1 hour'", set.Value.Span);
        }
        if (!value.IsFixed) throw new UserException("Error during planning: updating_ttl cannot contain months or years", set.Value.Span);
        context.UpdatingTtl = TimeSpan.FromTicks(value.TotalNanoseconds / 100);
    }

    /// <summary>INSERT INTO: a sink, or the single write of a memory table (which adds no sink).</summary>
    private static (PlanNode, SinkSpec)? Insert(InsertStatement insert, PlannerContext context)
    {
        var name = insert.Table.Last.Value;
        if (!context.Tables.TryGetValue(name, out var entry))
        {
            throw new UserException(
                $"Error during planning: table '{insert.Table.Last.Original}' not found.{Suggestions.DidYouMean(name, context.Tables.Keys)}".TrimEnd('.'),
                insert.Table.Span);
        }
        if (insert.Columns.Count > 0)
        {
            throw new UserException("This feature is not implemented: INSERT with a column list", insert.Columns[0].Span);
        }
        if (entry is DeclaredTable declared) ConnectorRules.Use(declared, TableRole.Sink, insert.Table.Span);
        switch (entry)
        {
            case DeclaredTable { Role: TableRole.Source }:
                throw new UserException($"attempted to insert into table '{entry.Name}', but it is a source", insert.Table.Span);
            case DeclaredTable { Role: TableRole.Lookup }:
                throw new UserException($"attempted to insert into table '{entry.Name}', but it is a lookup table", insert.Table.Span);
            case DeclaredTable table:
            {
                var relation = new QueryBinder(context).BindQuery(insert.Source);
                var fields = table.SchemaInferred ? null : table.Columns.Where(c => !c.IsVirtual).Select(c => c.ToField()).ToArray();
                var node = ToTableSchema(relation.Node, fields, table.Name, insert.Source.Span);
                CheckUpdatingSink(node, table, insert.Span);
                var spec = ConnectorRules.CreateSink(table, node.Schema) with { UpdateKeys = UpdateKeys.Of(node) };
                return (new PlanNode(spec, [SinkEdge(node, table.Bound.ShuffleBy)], node.Schema), spec);
            }
            case MemoryTable memory:
            {
                if (memory.Writer is not null)
                {
                    throw new UserException("Error during planning: Can only insert into a memory table once", insert.Span);
                }
                var relation = new QueryBinder(context).BindQuery(insert.Source);
                memory.Writer = ToTableSchema(relation.Node, memory.Fields, memory.Name, insert.Source.Span);
                return null;
            }
            default:
                throw new UserException($"Error during planning: can't insert into view '{entry.Name}'", insert.Table.Span);
        }
    }

    /// <summary>Forward, or hashed on the columns the sink asks to see together (the file sinks' shuffle_by_partition).</summary>
    private static PlanEdge SinkEdge(PlanNode input, IReadOnlyList<string> shuffleBy)
    {
        if (shuffleBy.Count == 0) return new PlanEdge(input, Arroyo.Dataflow.EdgeKind.Forward);
        var keys = shuffleBy.Select(name =>
        {
            var index = Enumerable.Range(0, input.Schema.Count).FirstOrDefault(i => string.Equals(input.Schema[i].Name, name, StringComparison.OrdinalIgnoreCase), -1);
            return index >= 0 ? index : throw new UserException($"Error during planning: the sink partitions by '{name}', which the query does not produce");
        }).ToArray();
        return new PlanEdge(input, Arroyo.Dataflow.EdgeKind.Shuffle, keys);
    }

    private static (PlanNode, SinkSpec) Select(QueryStatement query, PlannerContext context)
    {
        var relation = new QueryBinder(context).BindQuery(query.Query);
        var node = ToTableSchema(relation.Node, null, "stdout", query.Span);
        var spec = ConnectorRules.CreateSelectSink(node.Schema, context.Options.Connectors) with { UpdateKeys = UpdateKeys.Of(node) };
        return (new PlanNode(spec, [new PlanEdge(node, Arroyo.Dataflow.EdgeKind.Forward)], node.Schema), spec);
    }

    private static void CheckUpdatingSink(PlanNode node, DeclaredTable table, SourceSpan span)
    {
        if (node.IsUpdating && !table.IsUpdating)
        {
            throw new UserException(
                $"Error during planning: the query produces an updating result, but sink '{table.Name}' is append-only (format '{table.Format ?? "none"}')",
                span,
                hint: "use format = 'debezium_json' for the sink to write updating results");
        }
    }

    /// <summary>
    /// Matches query columns to the table's columns by position and casts each to the
    /// declared type (as the reference does when inserting); <paramref name="fields"/> null
    /// keeps the query's own schema.
    /// </summary>
    private static PlanNode ToTableSchema(PlanNode node, IReadOnlyList<Field>? fields, string table, SourceSpan span)
    {
        var user = Nodes.UserColumns(node);
        if (fields is null)
        {
            var names = new HashSet<string>();
            foreach (var (_, n) in user)
            {
                if (!names.Add(n))
                {
                    throw new UserException($"Error during planning: the query has two columns named '{n}'; give them distinct aliases", span);
                }
            }
            return node;
        }
        if (user.Count != fields.Count)
        {
            throw new UserException(
                $"Error during planning: the query produces {user.Count} columns but table '{table}' has {fields.Count} ({string.Join(", ", fields.Select(f => f.Name))})",
                span);
        }
        var columns = new List<(BoundExpr, string)>();
        for (var i = 0; i < fields.Count; i++)
        {
            var (expr, _) = user[i];
            if (!Coercion.CanCast(expr.Type, fields[i].Type))
            {
                throw new UserException(
                    $"Error during planning: column {i + 1} of the query has type {expr.Type}, which cannot be written to column '{fields[i].Name}' of type {fields[i].Type} in table '{table}'",
                    span);
            }
            columns.Add((expr.Type == fields[i].Type ? expr : new Arroyo.Expressions.Bound.CastExpr(expr, fields[i].Type), fields[i].Name));
        }
        var identity = user.Select((u, i) => u.Name == fields[i].Name && u.Expr.Type == fields[i].Type).All(b => b);
        return identity ? node : Nodes.Project(node, columns);
    }
}
