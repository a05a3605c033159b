using Arroyo.Dataflow.Serialization;
using Arroyo.Connectors.Options;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Builtin.Blackhole;

public sealed record BlackholeConfig : ConnectorConfig;

/// <summary>Discards everything: for benchmarks and tests.</summary>
public sealed class BlackholeConnector : ConnectorBase, IConnectorRuntime
{
    public override void AddJsonTypes(PlanJson.Builder json) =>
        json.AddResolver(BuiltinConnectorsJsonContext.Default).AddDerived<ConnectorConfig, BlackholeConfig>(Name);

    public override string Name => "blackhole";

    public override ConnectorRoles Roles => ConnectorRoles.Sink;

    protected override FormatKind? DefaultFormat => null;

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format) =>
        new(definition.Columns, new BlackholeConfig(), "Blackhole") { UsesFormat = false };

    public IOperator CreateSink(SinkSpec spec, OperatorContext context) => new BlackholeSink();

    private sealed class BlackholeSink : IOperator
    {
        public bool RetainsInput => false;

        public void OnBatch(Batch batch, int input, IOutput output)
        {
        }

        // Nothing downstream of a sink needs its watermark.
        public void OnWatermark(Arroyo.Execution.Watermark watermark, IOutput output)
        {
        }
    }
}
