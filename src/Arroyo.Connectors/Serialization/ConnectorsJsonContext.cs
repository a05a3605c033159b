using System.Text.Json.Serialization;

namespace Arroyo.Connectors.Serialization;

/// <summary>Source-generated JSON metadata for the connector SDK's specs and tables (registered by <see cref="ConnectorCatalog.AddJsonTypes"/>).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(SourceSpec))]
[JsonSerializable(typeof(SinkSpec))]
[JsonSerializable(typeof(ConnectorTable))]
[JsonSerializable(typeof(ConnectorConfig))]
[JsonSerializable(typeof(UninterpretedConfig))]
[JsonSerializable(typeof(ConnectorLookupTable))]
internal sealed partial class ConnectorsJsonContext : JsonSerializerContext;
