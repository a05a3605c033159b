using Arroyo.Core.Errors;
using Arroyo.Execution;

namespace Arroyo.Connectors.Messages;

/// <summary>
/// Connecting to a message server when a subtask opens: attempts with exponential backoff
/// (0.2 s doubling to 5 s) until <see cref="DefaultTimeout"/> has passed, then one
/// <see cref="ExternalException"/> naming the server and the last reason. A failure the
/// caller calls permanent (bad credentials, a stream that does not exist) is reported at once:
/// waiting would not change it.
/// </summary>
public static class ConnectRetry
{
    /// <summary>Well within the 30 s the issue allows for an unreachable server, leaving room for a slow process start.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <param name="describe">The error for the last failure, e.g. "cannot reach NATS at host:port (table 't'): reason".</param>
    /// <param name="permanent">True for failures not worth retrying.</param>
    public static T Run<T>(Func<T> attempt, Func<Exception, bool> permanent, Func<Exception, string> describe, OperatorContext context,
        TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        var delay = TimeSpan.FromMilliseconds(200);
        var warned = false;
        while (true)
        {
            try
            {
                return attempt();
            }
            catch (Exception e) when (e is not UserException and not OperationCanceledException)
            {
                if (permanent(e) || DateTime.UtcNow + delay >= deadline) throw new ExternalException(describe(e));
                if (!warned)
                {
                    context.Warn(describe(e) + "; retrying");
                    warned = true;
                }
            }
            Thread.Sleep(delay);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
        }
    }

    /// <summary>
    /// Why the TLS handshake refused the server's certificate, when that is why a connection
    /// failed (null otherwise): a permanent failure, since retrying cannot make it trusted.
    /// </summary>
    public static string? TlsRefusal(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            // A TLS alert is the server refusing us (e.g. no client certificate where it requires one), not its certificate refused.
            if (current.Message.Contains("TLS alert", StringComparison.Ordinal)) return null;
            if (current is System.Security.Authentication.AuthenticationException) return current.Message.Split('\n')[0];
            // Some clients (RabbitMQ.Stream.Client) replace the handshake's exception by their own, keeping its message.
            var at = current.Message.IndexOf("The remote certificate", StringComparison.Ordinal);
            if (at >= 0) return current.Message[at..].Split('\n')[0];
        }
        return null;
    }

    /// <summary>An exception's messages from the outside in, without repeats: clients wrap the socket's or the server's reason.</summary>
    public static string Reason(Exception e)
    {
        var reasons = new List<string>();
        for (Exception? current = e; current is not null; current = current.InnerException) reasons.Add(current.Message);
        return string.Join(": ", reasons.Distinct());
    }
}
