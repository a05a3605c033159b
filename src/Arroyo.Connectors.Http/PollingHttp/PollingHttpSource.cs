using Arroyo.Connectors.Http.Common;
using Arroyo.Execution;

namespace Arroyo.Connectors.Http.PollingHttp;

/// <summary>
/// Requests the endpoint every poll interval; each successful response body is one message
/// (decoded with the table's format and framing). With <c>emit_behavior = 'changed'</c> a body
/// equal to the previous one is skipped; the last body handed downstream is checkpointed
/// (state table <c>s</c>, as the reference), so a restored run does not emit it again. Each
/// request has 5 s, and a body may hold at most 5 MiB, as in the reference. A failed poll is
/// retried with backoff, never sooner than the poll interval.
/// </summary>
internal sealed class PollingHttpSource : StreamingSource
{
    internal const string StateTable = "s";
    private const int MaxBodyBytes = 5 * 1024 * 1024;

    private readonly PollingHttpTableConfig _config;
    private readonly HeaderList _headers;
    private readonly HttpClient _client;
    private readonly TimeSpan _interval;
    private byte[]? _last;

    public PollingHttpSource(SourceSpec spec, OperatorContext context, Uri endpoint, HeaderList headers)
        : base(spec, context, endpoint)
    {
        _config = (PollingHttpTableConfig)spec.Table.Config;
        _headers = headers;
        _interval = TimeSpan.FromMilliseconds(_config.PollIntervalMillis);
        _client = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromSeconds(5) };
    }

    protected override string Kind => "polling HTTP";

    protected override TimeSpan MinimumRetryDelay => _interval;

    protected override void Restore(IStateReader state) => _last = PositionTable.Read(state, StateTable);

    protected override async Task ReadConnectionAsync(Connection connection, CancellationToken cancel)
    {
        // A timer, not a delay after each poll: polls start every interval however long each took (a slow one delays the next).
        using var timer = new PeriodicTimer(_interval);
        do
        {
            var body = await RequestAsync(cancel);
            connection.Connected();
            await connection.WriteAsync(new Message(body));
        }
        while (await timer.WaitForNextTickAsync(cancel));
    }

    private async Task<byte[]> RequestAsync(CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(new HttpMethod(_config.Method), EndpointUri);
        if (_config.Body is { } body) request.Content = new StringContent(body, System.Text.Encoding.UTF8) { Headers = { ContentType = null } };
        _headers.ApplyTo(request);
        using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        if (!response.IsSuccessStatusCode) throw await HttpStatusFailure.ReadAsync(response, cancel);
        if (response.Content.Headers.ContentLength > MaxBodyBytes)
        {
            throw new IOException($"the response of {response.Content.Headers.ContentLength} bytes exceeds the maximum of {MaxBodyBytes}");
        }
        await using var stream = await response.Content.ReadAsStreamAsync(cancel);
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancel)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > MaxBodyBytes) throw new IOException($"the response body exceeds the maximum of {MaxBodyBytes} bytes");
        }
        return buffer.ToArray();
    }

    protected override bool Accept(in Message message)
    {
        var body = message.Payload!;
        if (_config.ChangedOnly && _last is not null && body.AsSpan().SequenceEqual(_last)) return false;
        _last = body;
        return true;
    }

    public override void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state)
    {
        // Only emit_behavior = 'changed' compares with the last body; "all" keeps its checkpoints empty.
        if (_config.ChangedOnly && _last is not null) PositionTable.Write(state, StateTable, _last);
    }

    public override void Close()
    {
        base.Close();
        _client.Dispose();
    }
}
