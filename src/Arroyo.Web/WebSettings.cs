using System.Net;
using Arroyo.Core.Errors;
using Arroyo.Host;

namespace Arroyo.Web;

/// <summary>
/// The server's configuration, read with the reference's keys: <c>api.run-http-port</c>
/// (absent or 0: a free port), <c>api.bind-address</c> (127.0.0.1 here; the reference binds
/// every interface), <c>api.auth-mode.type</c> = <c>none</c> | <c>static-api-key</c> with
/// <c>api.auth-mode.api-key</c>. <c>api.enabled = false</c> (ours) runs without a server;
/// <c>api.readiness-checkpoint-intervals</c> (ours): <c>/readyz</c> fails when the last
/// checkpoint is older than that many intervals.
/// </summary>
public sealed record WebSettings
{
    public bool Enabled { get; init; } = true;

    public IPAddress BindAddress { get; init; } = IPAddress.Loopback;

    public int Port { get; init; }

    /// <summary>The static API key; null: no authentication.</summary>
    public string? ApiKey { get; init; }

    public int ReadinessCheckpointIntervals { get; init; } = 3;

    public static WebSettings From(ConfigValues config)
    {
        var settings = new WebSettings();
        if (config.Get("api.enabled") is { } enabled)
        {
            settings = settings with
            {
                Enabled = bool.TryParse(enabled, out var on) ? on
                    : throw new UserException($"configuration 'api.enabled' = '{enabled}' is not true or false"),
            };
        }
        if (config.Get("api.bind-address") is { } address)
        {
            settings = settings with
            {
                BindAddress = IPAddress.TryParse(address, out var ip) ? ip
                    : throw new UserException($"configuration 'api.bind-address' = '{address}' is not an IP address", hint: "write it like 127.0.0.1 or 0.0.0.0"),
            };
        }
        if (config.Get("api.run-http-port") is { } portText)
        {
            settings = settings with
            {
                Port = int.TryParse(portText, out var port) && port is >= 0 and <= 65535 ? port
                    : throw new UserException($"configuration 'api.run-http-port' = '{portText}' is not a port number (0 to 65535)"),
            };
        }
        settings = settings with { ReadinessCheckpointIntervals = config.GetInt("api.readiness-checkpoint-intervals", settings.ReadinessCheckpointIntervals) };

        var mode = config.Get("api.auth-mode.type") ?? "none";
        var key = config.Get("api.auth-mode.api-key");
        switch (mode)
        {
            case "none":
                break;
            case "static-api-key":
                if (string.IsNullOrEmpty(key))
                {
                    throw new UserException("configuration 'api.auth-mode.type' is 'static-api-key' but 'api.auth-mode.api-key' is not set",
                        hint: "set it, e.g. ARROYO__API__AUTH_MODE__API_KEY");
                }
                settings = settings with { ApiKey = key };
                break;
            case "mtls":
                throw new UserException("configuration 'api.auth-mode.type' = 'mtls' is not supported by pipeline clusters (nor by the reference's)",
                    hint: "use 'static-api-key' or 'none'");
            default:
                throw new UserException($"configuration 'api.auth-mode.type' = '{mode}' is not an authentication mode" +
                    Suggestions.DidYouMean(mode, ["none", "static-api-key", "mtls"]));
        }
        return settings;
    }
}
