using System.Text.Json.Serialization;

namespace Arroyo.Connectors.Kafka;

/// <summary>Source-generated JSON metadata for a kafka table's config, so plans reading or writing Kafka serialise (see <see cref="KafkaConnector.AddJsonTypes"/>).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(KafkaTableConfig))]
internal sealed partial class KafkaJsonContext : JsonSerializerContext;
