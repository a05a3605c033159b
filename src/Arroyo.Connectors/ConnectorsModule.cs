using Arroyo.Runtime.Operators;

namespace Arroyo.Connectors;

/// <summary>Registers the runtime factories of <see cref="SourceSpec"/> and <see cref="SinkSpec"/>.</summary>
public static class ConnectorsModule
{
    public static void Register(OperatorRegistry registry) => Register(registry, ConnectorRegistry.Default);

    public static void Register(OperatorRegistry registry, ConnectorRegistry connectors)
    {
        registry.RegisterSource<SourceSpec>((spec, context) =>
            connectors.Get(spec.Table.Connector).CreateSource(spec, context));
        registry.Register<SinkSpec>((spec, context) =>
            connectors.Get(spec.Table.Connector).CreateSink(spec, context));
    }
}
