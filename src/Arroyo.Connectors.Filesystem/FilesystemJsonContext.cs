using System.Text.Json.Serialization;
using Arroyo.Connectors.Filesystem.Delta;

namespace Arroyo.Connectors.Filesystem;

/// <summary>Source-generated JSON metadata for the filesystem and delta tables' configs (each connector registers its own in <c>AddJsonTypes</c>).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(FilesystemSinkConfig))]
[JsonSerializable(typeof(FilesystemSourceConfig))]
[JsonSerializable(typeof(DeltaSinkConfig))]
[JsonSerializable(typeof(Iceberg.IcebergSinkConfig))]
internal sealed partial class FilesystemJsonContext : JsonSerializerContext;
