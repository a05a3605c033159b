using System.Text;
using Arroyo.Connectors.Http.Common;
using Arroyo.Execution;

namespace Arroyo.Connectors.Http.Sse;

/// <summary>
/// Reads a server-sent event stream: each event whose type is in <c>events</c> (or any, when
/// empty) is one record, its data decoded with the table's format. The id of the last event
/// handed downstream is checkpointed (state table <c>e</c>, as the reference), and every
/// connection — the first after a restore, and each reconnect — sends the last id received as
/// <c>Last-Event-ID</c>, so a server that honours it resumes right after it.
/// </summary>
internal sealed class SseSource : StreamingSource
{
    internal const string StateTable = "e";

    private readonly SseTableConfig _config;
    private readonly HeaderList _headers;
    private readonly HashSet<string> _events;
    private readonly HttpClient _client;
    private SseParser _parser = new(null);
    private string? _emittedId;

    public SseSource(SourceSpec spec, OperatorContext context, Uri endpoint, HeaderList headers)
        : base(spec, context, endpoint)
    {
        _config = (SseTableConfig)spec.Table.Config;
        _headers = headers;
        _events = _config.Events.ToHashSet(StringComparer.Ordinal);
        // No overall timeout: the response is a stream that never ends. Connecting and the response headers have their own limits.
        _client = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = Timeout.InfiniteTimeSpan };
    }

    protected override string Kind => "SSE";

    protected override TimeSpan MinimumRetryDelay => _parser.Retry ?? TimeSpan.Zero;

    protected override void Restore(IStateReader state)
    {
        if (PositionTable.Read(state, StateTable) is { } id) _emittedId = Encoding.UTF8.GetString(id);
        _parser = new SseParser(_emittedId);
        if (_emittedId is not null) Context.Log($"resuming the event stream after event id '{_emittedId}'");
    }

    protected override async Task ReadConnectionAsync(Connection connection, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, EndpointUri);
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.CacheControl = new() { NoCache = true };
        _headers.ApplyTo(request);
        if (_parser.LastEventId is { } id) request.Headers.TryAddWithoutValidation("Last-Event-ID", id);

        using var headersTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        headersTimeout.CancelAfter(TimeSpan.FromSeconds(10));
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headersTimeout.Token);
        if (!response.IsSuccessStatusCode) throw await HttpStatusFailure.ReadAsync(response, cancel);
        connection.Connected();

        await using var body = await response.Content.ReadAsStreamAsync(cancel);
        using var reader = new StreamReader(body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
        _parser.Reset();
        while (await reader.ReadLineAsync(cancel) is { } line)
        {
            if (_parser.Feed(line) is not { } message) continue;
            var wanted = _events.Count == 0 || _events.Contains(message.Type);
            await connection.WriteAsync(new Message(wanted ? Encoding.UTF8.GetBytes(message.Data) : null, message.LastEventId));
        }
    }

    protected override bool Accept(in Message message)
    {
        if (message.EventId is not null) _emittedId = message.EventId;
        return base.Accept(message);
    }

    public override void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state)
    {
        if (_emittedId is not null) PositionTable.Write(state, StateTable, Encoding.UTF8.GetBytes(_emittedId));
    }

    public override void Close()
    {
        base.Close();
        _client.Dispose();
    }
}
