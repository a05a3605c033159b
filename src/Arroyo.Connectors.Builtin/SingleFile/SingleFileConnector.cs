using Arroyo.Dataflow.Serialization;
using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Builtin.SingleFile;

public sealed record SingleFileConfig(string Path, bool WaitForControl) : ConnectorConfig;

/// <summary>
/// A newline-delimited local file: as a source it is read once (by one subtask) and ends; as
/// a sink every row becomes one line, exactly once across restarts.
/// </summary>
public sealed class SingleFileConnector : ConnectorBase, IConnectorRuntime
{
    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(BuiltinConnectorsJsonContext.Default).AddDerived<ConnectorConfig, SingleFileConfig>(Name);

    public override string Name => "single_file";

    public override ConnectorRoles Roles => ConnectorRoles.Source | ConnectorRoles.Sink;

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        var path = options.RequiredString("path");
        var wait = options.Bool("wait_for_control") ?? false;
        if (string.IsNullOrWhiteSpace(path)) throw options.Invalid("path", path, "a file path");
        if (format is not null && format.Kind is not (FormatKind.Json or FormatKind.DebeziumJson or FormatKind.RawString))
        {
            throw new UserException(
                $"the single_file connector supports the formats json, debezium_json and raw_string, not {format.Name}",
                definition.SpanOf("format"));
        }
        if (format?.Kind == FormatKind.RawString && definition.Columns.Count > 0 &&
            !(definition.Columns.Count == 1 && definition.Columns[0].Type.Kind == TypeKind.Utf8))
        {
            throw new UserException("raw_string format requires a single TEXT column (usually named value)", definition.Span);
        }
        if (role == TableRole.Sink && Directory.Exists(path))
        {
            throw new UserException($"the path '{path}' of sink table '{definition.Name}' is a directory", definition.SpanOf("path"),
                hint: "set path to a file (it is created if missing)");
        }
        return new BoundParts(definition.Columns, new SingleFileConfig(path, wait), $"SingleFile<{path}>")
        {
            IsBounded = true,
            LocalPath = FullPath(path),
        };
    }

    /// <summary>The absolute path, through a symbolic link when it is one (two names for one file are one file).</summary>
    private static string FullPath(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        try
        {
            return new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full;
        }
    }

    public ISource CreateSource(SourceSpec spec, OperatorContext context) =>
        new SingleFileSource(spec.Table, spec.Output, context, spec.Usage);

    public IOperator CreateSink(SinkSpec spec, OperatorContext context) =>
        new SingleFileSink(spec.Table, spec.Input, spec.UpdateKeys);
}
