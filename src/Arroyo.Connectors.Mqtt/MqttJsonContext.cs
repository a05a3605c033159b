using System.Text.Json.Serialization;

namespace Arroyo.Connectors.Mqtt;

/// <summary>Source-generated JSON metadata for an mqtt table's config (see <see cref="MqttConnector.AddJsonTypes"/>).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(MqttTableConfig))]
internal sealed partial class MqttJsonContext : JsonSerializerContext;
