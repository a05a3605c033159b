using System.Text.Json.Serialization;
using Arroyo.Connectors.Builtin.Blackhole;
using Arroyo.Connectors.Builtin.Impulse;
using Arroyo.Connectors.Builtin.Nexmark;
using Arroyo.Connectors.Builtin.SingleFile;
using Arroyo.Connectors.Builtin.Stdout;

namespace Arroyo.Connectors.Builtin;

/// <summary>Source-generated JSON metadata for the built-in connectors' configs (each connector registers its own in <c>AddJsonTypes</c>).</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true)]
[JsonSerializable(typeof(ImpulseConfig))]
[JsonSerializable(typeof(NexmarkConfig))]
[JsonSerializable(typeof(SingleFileConfig))]
[JsonSerializable(typeof(StdoutConfig))]
[JsonSerializable(typeof(BlackholeConfig))]
internal sealed partial class BuiltinConnectorsJsonContext : JsonSerializerContext;
