using System.Text.Json.Serialization;

namespace Arroyo.Connectors.Kafka;

/// <summary>Source-generated JSON metadata for the kafka table config (registered by <see cref="KafkaConnector.AddJsonTypes"/>).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(KafkaTableConfig))]
internal sealed partial class KafkaJsonContext : JsonSerializerContext;
