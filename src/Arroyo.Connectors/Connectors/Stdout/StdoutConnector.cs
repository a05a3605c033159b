using Arroyo.Connectors.Formats;
using Arroyo.Connectors.Options;
using Arroyo.Core.Types;
using Arroyo.Runtime.Operators;

namespace Arroyo.Connectors.Connectors.Stdout;

public sealed record StdoutConfig : ConnectorConfig;

/// <summary>Writes each row as one line (JSON by default) to standard output: the sink of a bare SELECT.</summary>
public sealed class StdoutConnector : ConnectorBase
{
    public override string Name => "stdout";

    public override ConnectorRoles Roles => ConnectorRoles.Sink;

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format) =>
        new(definition.Columns, new StdoutConfig(), "StdoutSink");

    public override IOperator CreateSink(SinkSpec spec, OperatorContext context) =>
        new StdoutSink(spec.Table, spec.Input, spec.UpdateKeys);
}
