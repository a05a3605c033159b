using System.Text.Json.Serialization;

namespace Arroyo.Connectors.Nats;

/// <summary>Source-generated JSON metadata for a nats table's config (see <see cref="NatsConnector.AddJsonTypes"/>).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(NatsTableConfig))]
internal sealed partial class NatsJsonContext : JsonSerializerContext;
