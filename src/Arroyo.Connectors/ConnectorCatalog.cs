using Arroyo.Dataflow;
using Arroyo.Dataflow.Serialization;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Execution;

namespace Arroyo.Connectors;

/// <summary>A connector refused a CREATE TABLE; the message names the table.</summary>
public sealed class TableBindException : UserException
{
    public TableBindException(string message, SourceSpan span, string? hint, Exception inner)
        : base(message, span, hint, inner)
    {
    }
}

/// <summary>
/// The connectors of one run, known by name. There is no global default: the composition
/// root (the CLI, or a test) creates one, adds the connectors it ships, and hands the same
/// instance to the planner (through the planning halves) and to the runtime
/// (<see cref="RegisterFactories"/>, through the runtime halves).
/// </summary>
public sealed class ConnectorCatalog
{
    private readonly Dictionary<string, Entry> _connectors = new(StringComparer.OrdinalIgnoreCase);

    private string? _selectOutput;

    public IEnumerable<string> Names => _connectors.Keys.OrderBy(n => n, StringComparer.Ordinal);

    /// <summary>
    /// Adds a connector. <paramref name="runtime"/> defaults to the connector itself when it
    /// implements <see cref="IConnectorRuntime"/>; without one the connector plans only.
    /// </summary>
    public ConnectorCatalog Add(IConnector connector, IConnectorRuntime? runtime = null)
    {
        ThrowIfRegistered(connector.Name);
        _connectors[connector.Name] = new Entry(connector.Name, null) { Planning = connector, Runtime = runtime ?? connector as IConnectorRuntime };
        return this;
    }

    /// <summary>
    /// Adds a connector known by <paramref name="name"/> and created by <paramref name="create"/>
    /// the first time a table names it (or the plan's JSON needs every connector). A connector
    /// with an assembly of its own is added this way, so a run whose query does not name it never
    /// loads that assembly and its dependencies (each one costs start-up time, issue #15). The
    /// connector created must be called <paramref name="name"/>; its runtime half is the
    /// connector itself when it implements <see cref="IConnectorRuntime"/>.
    /// </summary>
    public ConnectorCatalog Add(string name, Func<IConnector> create)
    {
        ThrowIfRegistered(name);
        _connectors[name] = new Entry(name, create);
        return this;
    }

    private void ThrowIfRegistered(string name)
    {
        if (_connectors.ContainsKey(name))
        {
            throw new InvalidOperationException($"connector '{name}' is registered twice (this is a bug)");
        }
    }

    /// <summary>Whether the connector registered as <paramref name="name"/> has been created (a lazily added one: its table was bound).</summary>
    public bool IsCreated(string name) => _connectors.TryGetValue(name, out var entry) && entry.IsCreated;

    /// <summary>
    /// Names the sink connector that prints the rows of a bare <c>SELECT</c> (JSON lines, or
    /// debezium JSON for an updating query). It must be registered and be a sink.
    /// </summary>
    public ConnectorCatalog WithSelectOutput(string connector)
    {
        if (!TryGet(connector, out var found) || !found.Roles.HasFlag(ConnectorRoles.Sink))
        {
            throw new InvalidOperationException($"the output of bare SELECTs must be a registered sink, not '{connector}' (this is a bug)");
        }
        _selectOutput = connector;
        return this;
    }

    /// <summary>
    /// Registers the connector SDK's specs (<c>source</c>, <c>sink</c>) and every connector's
    /// config type with the plan's JSON.
    /// </summary>
    public PlanJson.Builder AddJsonTypes(PlanJson.Builder json)
    {
        json.AddResolver(Serialization.ConnectorsJsonContext.Default)
            .AddDerived<OperatorSpec, SourceSpec>("source")
            .AddDerived<OperatorSpec, SinkSpec>("sink")
            .AddDerived<Dataflow.Specs.LookupTableRef, ConnectorLookupTable>("connector")
            .AddDerived<ConnectorConfig, UninterpretedConfig>("uninterpreted");
        // Every connector, created if it was not yet: a plan read back may name any of them.
        foreach (var name in Names) _connectors[name].Planning.AddJsonTypes(json);
        return json;
    }

    /// <summary>The plan's JSON with the dataflow specs and everything this catalog's connectors registered.</summary>
    public PlanJson CreatePlanJson() => AddJsonTypes(Dataflow.Serialization.PlanJson.CreateBuilder()).Build();

    public bool TryGet(string name, out IConnector connector)
    {
        if (!_connectors.TryGetValue(name, out var entry))
        {
            connector = null!;
            return false;
        }
        connector = entry.Planning;
        return true;
    }

    /// <summary>The connector called <paramref name="name"/>; a user error naming the known ones otherwise.</summary>
    public IConnector Get(string name, SourceSpan span = default) =>
        TryGet(name, out var connector)
            ? connector
            : throw new UserException(
                $"unknown connector '{name}'.{Suggestions.DidYouMean(name, Names)}",
                span,
                hint: "known connectors: " + string.Join(", ", Names));

    /// <summary>
    /// Binds a CREATE TABLE: finds its connector (option <c>connector</c>, required) and lets it
    /// validate the options.
    /// </summary>
    public ConnectorTable Bind(TableDefinition definition)
    {
        if (!definition.Options.TryGetValue("connector", out var name))
        {
            throw new UserException(
                $"table '{definition.Name}' has no connector; add connector = '…' to its WITH clause",
                definition.Span,
                hint: "known connectors: " + string.Join(", ", Names));
        }
        var connector = Get(name.Trim(), definition.SpanOf("connector"));
        try
        {
            return connector.Bind(definition);
        }
        catch (UserException error) when (error is not TableBindException)
        {
            // The reference words every table error this way; the conformance corpus checks it.
            throw new TableBindException(
                $"Failed to create table {definition.Name} caused by Error during planning: {error.Message}",
                error.Span.IsKnown ? error.Span : definition.Span, error.Hint, error);
        }
    }

    /// <summary>The sink table of a bare SELECT producing <paramref name="fields"/>.</summary>
    public ConnectorTable BindSelectOutput(IReadOnlyList<Field> fields, bool updating)
    {
        var connector = _selectOutput ?? throw new UserException(
            "this engine has no output for a bare SELECT; write INSERT INTO a sink table instead");
        var table = Bind(new TableDefinition(connector, fields, new Dictionary<string, string>
        {
            ["connector"] = connector,
            ["format"] = updating ? "debezium_json" : "json",
            ["type"] = "sink",
        }));
        return table with { IsSelectOutput = true };
    }

    /// <summary>The runtime half of <paramref name="connector"/>; "not supported yet" when it plans only.</summary>
    public IConnectorRuntime RuntimeOf(string connector) =>
        _connectors.TryGetValue(connector, out var entry)
            ? entry.Runtime ?? new PlanningOnly()
            : throw new InvalidOperationException($"connector '{connector}' is not in this run's catalog (this is a bug)");

    /// <summary>Lets the runtime create the sources and sinks of <see cref="SourceSpec"/> / <see cref="SinkSpec"/> nodes, and the lookup sources of lookup joins.</summary>
    public void RegisterFactories(OperatorRegistry registry)
    {
        registry.RegisterSource<SourceSpec>((spec, context) => RuntimeOf(spec.Table.Connector).CreateSource(spec, context));
        registry.Register<SinkSpec>((spec, context) => RuntimeOf(spec.Table.Connector).CreateSink(spec, context));
        registry.RegisterLookupSource<ConnectorLookupTable>((table, spec, context) =>
            RuntimeOf(table.Table.Connector).CreateLookup(table.Table, spec, context));
    }

    // The interface's default methods say "not supported yet" for both roles.
    private sealed class PlanningOnly : IConnectorRuntime;

    /// <summary>
    /// A registered connector: given, or created on first use by its factory. The planner binds
    /// on one thread, but subtasks ask for runtime halves from theirs, so creation is locked.
    /// </summary>
    private sealed class Entry(string name, Func<IConnector>? create)
    {
        private readonly Lock _lock = new();
        private IConnector? _planning;
        private IConnectorRuntime? _runtime;

        public bool IsCreated => Volatile.Read(ref _planning) is not null;

        public IConnector Planning
        {
            get
            {
                Create();
                return _planning!;
            }
            init => _planning = value;
        }

        public IConnectorRuntime? Runtime
        {
            get
            {
                Create();
                return _runtime;
            }
            init => _runtime = value;
        }

        private void Create()
        {
            if (Volatile.Read(ref _planning) is not null) return;
            lock (_lock)
            {
                if (_planning is not null) return;
                var connector = create!();
                if (!string.Equals(connector.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    throw new InvalidOperationException($"connector '{name}' was registered, but its factory created '{connector.Name}' (this is a bug)");
                }
                _runtime = connector as IConnectorRuntime;
                Volatile.Write(ref _planning, connector);
            }
        }
    }
}
