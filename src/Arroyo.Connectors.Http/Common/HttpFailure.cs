using System.Net;
using System.Net.Sockets;

namespace Arroyo.Connectors.Http.Common;

/// <summary>A server's answer that was not a success, with a short excerpt of its body (for the log; bodies are the server's, not ours).</summary>
internal sealed class HttpStatusFailure(HttpStatusCode status, string excerpt) : Exception($"the server responded {(int)status} {status}{(excerpt.Length > 0 ? ": " + excerpt : "")}")
{
    public HttpStatusCode Status { get; } = status;

    /// <summary>
    /// Errors a retry does not fix while nothing ever worked: bad credentials, a wrong path or
    /// method. Once a connection succeeded they are retried too (a server being redeployed
    /// answers 404 for a moment).
    /// </summary>
    public bool IsPermanent => Status is HttpStatusCode.BadRequest or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
        or HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.Gone;

    public static async Task<HttpStatusFailure> ReadAsync(HttpResponseMessage response, CancellationToken cancel)
    {
        string excerpt;
        try
        {
            excerpt = await response.Content.ReadAsStringAsync(cancel).WaitAsync(TimeSpan.FromSeconds(2), cancel);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException)
        {
            excerpt = "";
        }
        excerpt = excerpt.ReplaceLineEndings(" ").Trim();
        if (excerpt.Length > 200) excerpt = excerpt[..200] + "…";
        return new HttpStatusFailure(response.StatusCode, excerpt);
    }
}

/// <summary>Short, secret-free words for what went wrong on the wire.</summary>
internal static class Failures
{
    public static string Describe(Exception e) => e switch
    {
        HttpStatusFailure s => s.Message,
        TaskCanceledException or TimeoutException => "no answer within the timeout",
        HttpRequestException { InnerException: SocketException socket } => Socket(socket),
        HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded } => "the server closed the connection",
        System.Net.WebSockets.WebSocketException { InnerException: HttpRequestException { InnerException: SocketException socket } } => Socket(socket),
        System.Net.WebSockets.WebSocketException w => w.Message,
        HttpRequestException h => h.Message,
        IOException io => io.InnerException is SocketException socket ? Socket(socket) : "the connection broke: " + io.Message,
        _ => e.Message,
    };

    private static string Socket(SocketException e) => e.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostNotFound or SocketError.NoData => "host not found",
        SocketError.TimedOut => "connection timed out",
        SocketError.ConnectionReset => "connection reset by the server",
        _ => e.Message,
    };
}
