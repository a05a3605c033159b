using System.Text.Json.Serialization;

namespace Arroyo.Connectors.Redis;

/// <summary>Source-generated JSON metadata for a redis table's config (see <see cref="RedisConnector.AddJsonTypes"/>).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(RedisTableConfig))]
internal sealed partial class RedisJsonContext : JsonSerializerContext;
