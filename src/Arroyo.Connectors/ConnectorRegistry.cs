using Arroyo.Connectors.Connectors.Blackhole;
using Arroyo.Connectors.Connectors.External;
using Arroyo.Connectors.Connectors.Impulse;
using Arroyo.Connectors.Connectors.Nexmark;
using Arroyo.Connectors.Connectors.SingleFile;
using Arroyo.Connectors.Connectors.Stdout;
using Arroyo.Core.Errors;

namespace Arroyo.Connectors;

/// <summary>A connector refused a CREATE TABLE; the message names the table.</summary>
public sealed class TableBindException : UserException
{
    public TableBindException(string message, SourceSpan span, string? hint, Exception inner)
        : base(message, span, hint, inner)
    {
    }
}

/// <summary>The connectors known by name. <see cref="Default"/> holds every built-in one.</summary>
public sealed class ConnectorRegistry
{
    private readonly Dictionary<string, IConnector> _connectors = new(StringComparer.OrdinalIgnoreCase);

    public static ConnectorRegistry Default { get; } = CreateDefault();

    public IEnumerable<string> Names => _connectors.Keys.OrderBy(n => n, StringComparer.Ordinal);

    public void Add(IConnector connector) => _connectors[connector.Name] = connector;

    public bool TryGet(string name, out IConnector connector) => _connectors.TryGetValue(name, out connector!);

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

    private static ConnectorRegistry CreateDefault()
    {
        var registry = new ConnectorRegistry();
        registry.Add(new ImpulseConnector());
        registry.Add(new NexmarkConnector());
        registry.Add(new SingleFileConnector());
        registry.Add(new StdoutConnector());
        registry.Add(new BlackholeConnector());
        foreach (var external in ExternalConnectors.All) registry.Add(external);
        return registry;
    }
}
