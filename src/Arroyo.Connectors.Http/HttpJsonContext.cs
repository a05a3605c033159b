using System.Text.Json.Serialization;
using Arroyo.Connectors.Http.PollingHttp;
using Arroyo.Connectors.Http.Sse;
using Arroyo.Connectors.Http.Webhook;
using Arroyo.Connectors.Http.Websocket;

namespace Arroyo.Connectors.Http;

/// <summary>Source-generated JSON metadata for the HTTP family's table configs, so plans using them serialise (see each connector's <c>AddJsonTypes</c>).</summary>
[JsonSerializable(typeof(SseTableConfig))]
[JsonSerializable(typeof(WebsocketTableConfig))]
[JsonSerializable(typeof(PollingHttpTableConfig))]
[JsonSerializable(typeof(WebhookTableConfig))]
internal sealed partial class HttpJsonContext : JsonSerializerContext;
