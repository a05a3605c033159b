using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Http.Common;

/// <summary>
/// What the four connectors of this project bind alike: a format is required (as in the
/// reference: "'format' must be set"), <c>headers</c> is checked once its placeholders are
/// substituted but kept as written, and no metadata fields exist.
/// </summary>
public abstract class HttpConnector : ConnectorBase, IConnectorRuntime
{
    private static readonly FormatKind[] s_readable = [FormatKind.Json, FormatKind.DebeziumJson, FormatKind.RawString, FormatKind.RawBytes];
    private static readonly FormatKind[] s_writable = [FormatKind.Json, FormatKind.DebeziumJson, FormatKind.RawString];

    protected override FormatKind? DefaultFormat => null;

    /// <summary>"SSE", "WebSocket", "polling HTTP", "webhook": the reference's words in its errors.</summary>
    protected abstract string Title { get; }

    protected void CheckFormat(TableDefinition definition, FormatSettings? format, bool sink)
    {
        if (format is null)
        {
            throw new UserException($"'format' must be set for {Title} connection (table '{definition.Name}')", definition.Span,
                hint: "add format = 'json' (or raw_string, raw_bytes, debezium_json) to the WITH clause");
        }
        var supported = sink ? s_writable : s_readable;
        if (!supported.Contains(format.Kind))
        {
            throw new UserException(
                $"not supported: the {format.Name} format on {Name} tables (supported: {string.Join(", ", supported.Select(k => new FormatSettings(k).Name))})",
                definition.SpanOf("format"));
        }
    }

    /// <summary>The <c>headers</c> option as written, after checking it parses once substituted.</summary>
    protected static string? ReadHeaders(OptionReader options, TableDefinition definition)
    {
        var text = options.String("headers");
        if (text is null) return null;
        try
        {
            HeaderList.Parse(VarStr.Substitute(text, definition.Name, "headers"), definition.Name);
        }
        catch (UserException e)
        {
            throw new UserException(e.Message, definition.SpanOf("headers"), e.Hint);
        }
        return text;
    }

    /// <summary>Headers and endpoint as a subtask uses them: placeholders substituted now, from this process's environment.</summary>
    internal static (Uri Endpoint, HeaderList Headers) Resolve(ConnectorTable table, string endpoint, string? headers) =>
        (Endpoint.Parse(VarStr.Substitute(endpoint, table.Name, "endpoint"), table.Name),
         headers is null ? HeaderList.Empty : HeaderList.Parse(VarStr.Substitute(headers, table.Name, "headers"), table.Name));

    public virtual ISource CreateSource(SourceSpec spec, OperatorContext context) =>
        throw new UserException($"the {Name} connector cannot be used as a source");

    public virtual IOperator CreateSink(SinkSpec spec, OperatorContext context) =>
        throw new UserException($"the {Name} connector cannot be used as a sink");
}
