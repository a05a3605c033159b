using System.Text.Json.Serialization;

namespace Arroyo.Connectors.Kinesis;

/// <summary>Source-generated JSON metadata for a kinesis table's config (see <see cref="KinesisConnector.AddJsonTypes"/>).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(KinesisTableConfig))]
internal sealed partial class KinesisJsonContext : JsonSerializerContext;
