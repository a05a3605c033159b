using System.Diagnostics;
using Arroyo.Connectors.Messages;
using Arroyo.Core.Errors;
using Arroyo.Execution;
using StackExchange.Redis;

namespace Arroyo.Connectors.Redis;

/// <summary>One address of <c>address</c> / <c>cluster.addresses</c>: <c>redis://[user[:password]@]host[:port][/db]</c>, or <c>rediss://</c> for TLS.</summary>
internal sealed record RedisEndpoint(string Host, int Port, bool Tls, int? Database, string? User, string? Password)
{
    public override string ToString() => $"{Host}:{Port}";
}

internal static class RedisEndpoints
{
    public static RedisEndpoint Parse(string address, Func<Exception> invalid)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss") || uri.Host.Length == 0)
        {
            throw invalid();
        }
        int? database = null;
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            if (!int.TryParse(path, out var db) || db < 0) throw invalid();
            database = db;
        }
        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            user = parts[0].Length == 0 ? null : Uri.UnescapeDataString(parts[0]);
            password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null;
        }
        return new RedisEndpoint(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port, uri.Scheme == "rediss", database, user, password);
    }
}

/// <summary>
/// Opens the connection of a redis table: a StackExchange.Redis multiplexer over every address
/// (one, or the cluster's seeds). The first connection is retried with backoff for up to
/// <see cref="ConnectDeadline"/>, then reported naming the addresses; refused credentials are
/// reported at once. Once connected the multiplexer reconnects by itself after an outage;
/// callers retry the commands that failed meanwhile (<see cref="Retry{T}"/>).
/// </summary>
internal sealed class RedisClient : IDisposable
{
    /// <summary>How long an unreachable server is retried before the run fails (the issue asks for an error within 30 s).</summary>
    public static readonly TimeSpan ConnectDeadline = TimeSpan.FromSeconds(20);

    /// <summary>How long a command is retried while the server is away before the run fails.</summary>
    public static readonly TimeSpan CommandDeadline = TimeSpan.FromSeconds(60);

    private readonly RedisTableConfig _config;
    private readonly string _table;
    private readonly OperatorContext _context;
    private readonly RedisEndpoint[] _endpoints;
    private ConnectionMultiplexer? _multiplexer;

    public RedisClient(RedisTableConfig config, string table, OperatorContext context)
    {
        _config = config;
        _table = table;
        _context = context;
        _endpoints = config.Addresses.Select(a => RedisEndpoints.Parse(a, () => new UserException($"invalid redis address '{a}' (table '{table}')"))).ToArray();
    }

    /// <summary>host:port of every address, for messages.</summary>
    public string Where => string.Join(", ", _endpoints.Select(e => e.ToString()));

    public IDatabase Database => (_multiplexer ?? throw new InvalidOperationException("not connected (this is a bug)")).GetDatabase(_endpoints[0].Database ?? -1);

    public void Connect()
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = true,
            ConnectRetry = 1,
            ConnectTimeout = 3000,
            SyncTimeout = 10_000,
            AsyncTimeout = 10_000,
            Ssl = _endpoints[0].Tls,
            User = _config.Username ?? _endpoints[0].User,
            Password = _config.Password ?? _endpoints[0].Password,
            ClientName = "arroyo",
            // Reconnect quickly after an outage; commands issued meanwhile fail and are retried by the caller.
            ReconnectRetryPolicy = new LinearRetry(500),
            BacklogPolicy = BacklogPolicy.FailFast,
        };
        foreach (var endpoint in _endpoints) options.EndPoints.Add(endpoint.Host, endpoint.Port);
        var started = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                _multiplexer = ConnectionMultiplexer.Connect(options, TextWriter.Null);
                _multiplexer.ConnectionFailed += (_, e) => _context.Warn($"lost the connection to Redis at {e.EndPoint} (table '{_table}'): {e.FailureType}; reconnecting");
                _multiplexer.ConnectionRestored += (_, e) => _context.Log($"reconnected to Redis at {e.EndPoint} (table '{_table}')");
                return;
            }
            catch (RedisConnectionException e) when (_endpoints[0].Tls && ConnectRetry.TlsRefusal(e) is { } refusal)
            {
                // The reference's client (redis-rs) trusts the system's roots for rediss://, and so does this one
                // (SSL_CERT_FILE / SSL_CERT_DIR choose other roots); retrying cannot make the certificate trusted.
                throw new ExternalException($"the TLS certificate of Redis at {Where} is not trusted (table '{_table}'): {refusal}; " +
                                            "add the CA that signed it to the system's trusted roots (or point SSL_CERT_FILE at it)");
            }
            catch (RedisConnectionException e) when (e.FailureType == ConnectionFailureType.AuthenticationFailure || IsAuthError(e))
            {
                throw new ExternalException($"Redis at {Where} refused the credentials of table '{_table}' (check username and password): {AuthReason(e)}");
            }
            catch (RedisConnectionException e)
            {
                if (started.Elapsed + delay > ConnectDeadline)
                {
                    throw new ExternalException($"cannot connect to Redis at {Where} (table '{_table}') after {started.Elapsed.TotalSeconds:F0} s: {e.FailureType}");
                }
                _context.Warn($"cannot connect to Redis at {Where} (table '{_table}'): {e.FailureType}; retrying in {delay.TotalSeconds:F1} s");
                Thread.Sleep(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private static bool IsAuthError(Exception e) =>
        e.ToString().Contains("WRONGPASS", StringComparison.Ordinal) || e.ToString().Contains("NOAUTH", StringComparison.Ordinal) ||
        e.ToString().Contains("invalid password", StringComparison.OrdinalIgnoreCase);

    private static string AuthReason(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner.Message.Contains("WRONGPASS", StringComparison.Ordinal) || inner.Message.Contains("NOAUTH", StringComparison.Ordinal)) return inner.Message;
        }
        return "authentication failed";
    }

    /// <summary>
    /// Runs <paramref name="action"/> until it succeeds, retrying connection failures and
    /// timeouts with backoff (the multiplexer reconnects meanwhile) for up to
    /// <see cref="CommandDeadline"/>. Server errors (a wrong type, a script error) are not retried.
    /// </summary>
    public T Retry<T>(string what, Func<T> action)
    {
        var started = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            try
            {
                return action();
            }
            catch (Exception e) when (IsTransient(e))
            {
                if (started.Elapsed > CommandDeadline)
                {
                    throw new ExternalException($"{what} at Redis {Where} (table '{_table}') failed for {started.Elapsed.TotalSeconds:F0} s: {Reason(e)}");
                }
                _context.Warn($"{what} at Redis {Where} (table '{_table}') failed: {Reason(e)}; retrying in {delay.TotalSeconds:F1} s");
                Thread.Sleep(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
            catch (RedisServerException e)
            {
                throw new ExternalException($"{what} at Redis {Where} (table '{_table}') failed: {e.Message}");
            }
        }
    }

    private static bool IsTransient(Exception e) => e switch
    {
        AggregateException a => a.InnerExceptions.All(IsTransient),
        RedisConnectionException or RedisTimeoutException or TimeoutException => true,
        RedisServerException s => s.Message.StartsWith("LOADING", StringComparison.Ordinal) || s.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal),
        _ => false,
    };

    private static string Reason(Exception e) => e is AggregateException a ? Reason(a.InnerExceptions[0]) : e.Message.Split('\n')[0];

    public void Dispose()
    {
        _multiplexer?.Dispose();
        _multiplexer = null;
    }
}
