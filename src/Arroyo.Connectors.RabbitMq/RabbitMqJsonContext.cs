using System.Text.Json.Serialization;

namespace Arroyo.Connectors.RabbitMq;

/// <summary>Source-generated JSON metadata for a rabbitmq table's config (see <see cref="RabbitMqConnector.AddJsonTypes"/>).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(RabbitMqTableConfig))]
internal sealed partial class RabbitMqJsonContext : JsonSerializerContext;
