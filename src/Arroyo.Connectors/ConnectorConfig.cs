namespace Arroyo.Connectors;

/// <summary>
/// A connector's own validated settings (e.g. impulse's rate and count), as plain data so a
/// bound table can be printed and carried in the dataflow plan. Each connector derives one.
/// </summary>
public abstract record ConnectorConfig;

/// <summary>For connectors accepted when planning but not run yet: the options as given.</summary>
public sealed record UninterpretedConfig : ConnectorConfig;
