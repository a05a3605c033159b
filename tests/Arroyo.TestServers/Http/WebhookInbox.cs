using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Arroyo.TestServers.Http;

/// <summary>
/// A webhook receiver: keeps every POSTed body and the headers that came with it. Knobs: the
/// first requests answer 503, each answer is delayed, an Authorization header is required.
/// </summary>
public sealed class WebhookInbox
{
    private readonly object _lock = new();
    private readonly List<string> _bodies = [];
    private int _requests;
    private int _inFlight;
    private int _maxInFlight;

    public int FailFirst { get; set; }

    public TimeSpan Delay { get; set; }

    public string? RequiredAuthorization { get; set; }

    public string? LastContentType { get; private set; }

    public int Requests => Volatile.Read(ref _requests);

    /// <summary>The most requests that were being answered at once.</summary>
    public int MaxConcurrent => Volatile.Read(ref _maxInFlight);

    public IReadOnlyList<string> Bodies
    {
        get { lock (_lock) return _bodies.ToList(); }
    }

    public void Map(WebApplication app, string path) => app.MapPost(path, ReceiveAsync);

    private async Task ReceiveAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var now = Interlocked.Increment(ref _inFlight);
        lock (_lock) _maxInFlight = Math.Max(_maxInFlight, now);
        try
        {
            await AnswerAsync(context);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task AnswerAsync(HttpContext context)
    {
        if (Delay > TimeSpan.Zero) await Task.Delay(Delay, context.RequestAborted);
        lock (_lock)
        {
            if (FailFirst > 0)
            {
                FailFirst--;
                context.Response.StatusCode = 503;
                return;
            }
        }
        if (RequiredAuthorization is not null && context.Request.Headers.Authorization != RequiredAuthorization)
        {
            context.Response.StatusCode = 401;
            return;
        }
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        lock (_lock)
        {
            _bodies.Add(body);
            LastContentType = context.Request.ContentType;
        }
        context.Response.StatusCode = 204;
    }

    /// <summary>Waits until at least <paramref name="count"/> bodies arrived.</summary>
    public async Task WaitForAsync(int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Bodies.Count < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Bodies.Count} of {count} webhook bodies after {timeout}");
            await Task.Delay(10);
        }
    }
}
