using Arroyo.Connectors.Options;
using Arroyo.Connectors.Messages;
using Arroyo.Execution;
using NATS.Client.Core;

namespace Arroyo.Connectors.Nats;

/// <summary>
/// Opens the connection of one subtask: the table's servers and credentials (placeholders
/// resolved now), retried with backoff while the servers cannot be reached, reported at once
/// when they refuse the credentials. Once connected, NATS.Net reconnects by itself without
/// limit (a server that goes away mid-run is waited for; subscriptions are renewed).
/// </summary>
internal static class NatsClient
{
    public static NatsConnection Connect(NatsTableConfig config, string table, OperatorContext context)
    {
        var opts = new NatsOpts
        {
            Url = Urls(config.Servers),
            Name = $"arroyo-{context.Settings.PipelineId}-{context.Name}-{context.SubtaskIndex}",
            ConnectTimeout = TimeSpan.FromSeconds(5),
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(200),
            ReconnectWaitMax = TimeSpan.FromSeconds(2),
            AuthOpts = config.Auth switch
            {
                NatsAuthType.Credentials => new NatsAuthOpts
                {
                    Username = VarStr.Substitute(config.Username!, table),
                    Password = VarStr.Substitute(config.Password!, table),
                },
                NatsAuthType.Jwt => new NatsAuthOpts
                {
                    Jwt = VarStr.Substitute(config.Jwt!, table),
                    Seed = VarStr.Substitute(config.NkeySeed!, table),
                },
                _ => NatsAuthOpts.Default,
            },
        };
        return ConnectRetry.Run(
            () =>
            {
                var connection = new NatsConnection(opts);
                try
                {
                    connection.ConnectAsync().AsTask().GetAwaiter().GetResult();
                    return connection;
                }
                catch
                {
                    connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
                    throw;
                }
            },
            IsAuthentication,
            e => $"cannot connect to NATS at {config.Servers} (table '{table}'): {ConnectRetry.Reason(e)}",
            context);
    }

    /// <summary>host:port entries get the nats:// scheme NATS.Net expects.</summary>
    internal static string Urls(string servers) =>
        string.Join(',', servers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.Contains("://", StringComparison.Ordinal) ? s : "nats://" + s));

    private static bool IsAuthentication(Exception e) =>
        ConnectRetry.Reason(e).Contains("authoriz", StringComparison.OrdinalIgnoreCase) || ConnectRetry.Reason(e).Contains("authentic", StringComparison.OrdinalIgnoreCase);

}
