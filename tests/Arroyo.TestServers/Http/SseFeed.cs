using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Arroyo.TestServers.Http;

/// <summary>
/// An SSE endpoint over a growing list of events with ids 1, 2, 3…: a connection gets every
/// event after its Last-Event-ID (all of them without one), then new ones as they are added.
/// Knobs for failure tests: answer 500 to the first connections, require an Authorization
/// header, end each connection after a number of events (a server that drops streams).
/// </summary>
public sealed class SseFeed
{
    private readonly object _lock = new();
    private readonly List<(string Type, string Data)> _events = [];
    private readonly List<string?> _lastEventIds = [];
    private TaskCompletionSource _added = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int FailFirst { get; set; }

    /// <summary>The first connections get no answer at all (not even headers) until the client gives up.</summary>
    public int StallFirst { get; set; }

    public string? RequiredAuthorization { get; set; }

    /// <summary>0: never; otherwise each connection ends after sending this many events.</summary>
    public int DropAfter { get; set; }

    /// <summary>The Last-Event-ID header of every connection, in order (null: none sent).</summary>
    public IReadOnlyList<string?> LastEventIds
    {
        get { lock (_lock) return _lastEventIds.ToList(); }
    }

    public void Add(string type, string data)
    {
        lock (_lock)
        {
            _events.Add((type, data));
            _added.TrySetResult();
            _added = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    public void Map(WebApplication app, string path) => app.MapGet(path, ServeAsync);

    private async Task ServeAsync(HttpContext context)
    {
        var lastId = context.Request.Headers["Last-Event-ID"].FirstOrDefault();
        var stall = false;
        lock (_lock)
        {
            _lastEventIds.Add(lastId);
            if (StallFirst > 0)
            {
                StallFirst--;
                stall = true;
            }
            else if (FailFirst > 0)
            {
                FailFirst--;
                context.Response.StatusCode = 500;
                return;
            }
        }
        if (stall)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The client hung up, as it should.
            }
            return;
        }
        if (RequiredAuthorization is not null && context.Request.Headers.Authorization != RequiredAuthorization)
        {
            context.Response.StatusCode = 401;
            await context.Response.WriteAsync("no entry");
            return;
        }
        context.Response.ContentType = "text/event-stream";
        await context.Response.WriteAsync(": welcome\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
        var next = lastId is null ? 0 : int.Parse(lastId);
        var sent = 0;
        while (!context.RequestAborted.IsCancellationRequested)
        {
            List<(string Type, string Data)> pending;
            Task added;
            lock (_lock)
            {
                pending = _events.Skip(next).ToList();
                added = _added.Task;
            }
            foreach (var (type, data) in pending)
            {
                next++;
                var text = new StringBuilder().Append("id: ").Append(next).Append('\n').Append("event: ").Append(type).Append('\n');
                foreach (var line in data.Split('\n')) text.Append("data: ").Append(line).Append('\n');
                await context.Response.WriteAsync(text.Append('\n').ToString(), context.RequestAborted);
                if (DropAfter > 0 && ++sent >= DropAfter)
                {
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    return;
                }
            }
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await added.WaitAsync(context.RequestAborted);
        }
    }
}
