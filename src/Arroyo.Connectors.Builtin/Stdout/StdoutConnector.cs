using Arroyo.Dataflow.Serialization;
using Arroyo.Connectors.Options;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Builtin.Stdout;

public sealed record StdoutConfig : ConnectorConfig;

/// <summary>Writes each row as one line (JSON by default) to standard output: the sink of a bare SELECT.</summary>
public sealed class StdoutConnector : ConnectorBase, IConnectorRuntime
{
    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(BuiltinConnectorsJsonContext.Default).AddDerived<ConnectorConfig, StdoutConfig>(Name);

    public const string ConnectorName = "stdout";

    public override string Name => ConnectorName;

    public override ConnectorRoles Roles => ConnectorRoles.Sink;

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format) =>
        new(definition.Columns, new StdoutConfig(), "StdoutSink");

    public IOperator CreateSink(SinkSpec spec, OperatorContext context) =>
        new StdoutSink(spec.Table, spec.Input, spec.UpdateKeys);
}
