using System.Net;
using Arroyo.Connectors.Http.Common;
using Arroyo.Core;
using Arroyo.Core.Errors;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Connectors.Http.Webhook;

/// <summary>
/// POSTs every record (one row, or one debezium change) as its own request body, as the
/// reference does, with at most <see cref="MaxInFlight"/> requests in flight per subtask: the
/// 51st waits for a free slot, which holds the pipeline back while the endpoint is slow. A
/// barrier waits until every request in flight succeeded, so a completed checkpoint means
/// everything before it was delivered; after a crash the rows since the last checkpoint are
/// sent again (at least once). Connection errors, timeouts (5 s per request), 408, 429 and 5xx
/// are retried with backoff (100 ms doubling to 5 s, a Polly pipeline: <see cref="HttpRetry"/>); any other answer that is not a success
/// (bad credentials, a wrong path, a record the endpoint refuses) fails the run, naming the
/// status. An endpoint that never answered fails the run after <see cref="Reachability.Patience"/>.
/// </summary>
internal sealed class WebhookSink : IOperator
{
    internal const int MaxInFlight = 50;

    private readonly SemaphoreSlim _slots = new(MaxInFlight, MaxInFlight);
    private readonly CancellationTokenSource _stop = new();
    private readonly Reachability _reachability = new();
    private readonly Polly.ResiliencePipeline _retry;
    private readonly SinkSpec _spec;
    private readonly Uri _endpoint;
    private readonly HeaderList _headers;
    private readonly RecordEncoder _encoder;
    private readonly bool _rowByRow;
    private readonly ByteBuffer _buffer = new();
    private OperatorContext _context;
    private HttpClient? _client;
    private volatile Exception? _failure;

    public WebhookSink(SinkSpec spec, OperatorContext context, Uri endpoint, HeaderList headers)
    {
        _spec = spec;
        _context = context;
        _endpoint = endpoint;
        _headers = headers;
        var format = spec.Table.Format ?? new FormatSettings(FormatKind.Json);
        _encoder = RecordEncoder.Create(format, spec.Input, spec.UpdateKeys);
        // A raw string may hold newlines, so its records cannot be cut out of one encoded batch.
        _rowByRow = format.Kind == FormatKind.RawString;
        _retry = HttpRetry.Create(_reachability, ShouldRetry, (failure, _, retry) =>
        {
            if (_reachability.ShouldWarn()) _context.Warn($"webhook request to {HostPort} failed (retry {retry}): {Failures.Describe(failure)}");
        });
    }

    private string HostPort => Endpoint.HostPort(_endpoint);

    public void Open(OperatorContext context)
    {
        _context = context;
        _client = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) }) { Timeout = TimeSpan.FromSeconds(5) };
    }

    public void OnBatch(Batch batch, int input, IOutput output)
    {
        ThrowIfFailed();
        if (_rowByRow)
        {
            for (var row = 0; row < batch.RowCount; row++)
            {
                _buffer.Clear();
                _encoder.Encode(batch.Slice(row, 1), _buffer);
                var written = _buffer.Written;
                if (written.IsEmpty) continue;
                Send(written[..^1].ToArray());
            }
            return;
        }
        _buffer.Clear();
        _encoder.Encode(batch, _buffer);
        var records = _buffer.Written;
        foreach (var range in records.Split((byte)'\n'))
        {
            var record = records[range];
            if (!record.IsEmpty) Send(record.ToArray());
        }
    }

    /// <summary>Starts one request once a slot is free; the request gives its slot back when it ends, delivered or failed.</summary>
    private void Send(byte[] body)
    {
        _slots.Wait();
        if (_failure is not null)
        {
            _slots.Release();
            ThrowIfFailed();
        }
        _ = PostAsync(body);
    }

    private async Task PostAsync(byte[] body)
    {
        try
        {
            await PostWithRetriesAsync(body);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task PostWithRetriesAsync(byte[] body)
    {
        var cancel = _stop.Token;
        try
        {
            await _retry.ExecuteAsync(async (payload, token) => await PostOnceAsync(payload, token), body, cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
        }
        catch (RecordRefusedException e)
        {
            _failure ??= new ExternalException($"the webhook endpoint {HostPort} refused a record of table '{_spec.Table.Name}': {e.Failure.Message}" +
                                               (e.Failure.Status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? " (check the credentials in headers)" : "")) { Restartable = false };
        }
        catch (Exception e) when (IsRetryable(e))
        {
            // The retries stopped: another request failed for good, or the endpoint never answered within the patience.
            _failure ??= new ExternalException($"cannot reach the webhook endpoint {HostPort} (table '{_spec.Table.Name}'): {Failures.Describe(e)}; " +
                                               $"gave up after {Reachability.Patience.TotalSeconds:0} s") { Restartable = false };
        }
    }

    /// <summary>One request: returns once delivered; throws a retryable failure, or <see cref="RecordRefusedException"/>.</summary>
    private async Task PostOnceAsync(byte[] body, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(body) };
        _headers.ApplyTo(request);
        using var response = await _client!.SendAsync(request, cancel);
        if (response.IsSuccessStatusCode)
        {
            _reachability.Succeeded();
            return;
        }
        var failure = await HttpStatusFailure.ReadAsync(response, cancel);
        if (!IsRetryable(response.StatusCode)) throw new RecordRefusedException(failure);
        throw failure;
    }

    /// <summary>Worth another attempt while no other request failed for good: the wire failed, or the server answered 408, 429 or 5xx.</summary>
    private bool ShouldRetry(Exception e) => _failure is null && IsRetryable(e);

    private static bool IsRetryable(Exception e) => e is HttpStatusFailure or HttpRequestException or TaskCanceledException or IOException;

    /// <summary>An answer that is neither a success nor worth retrying (bad credentials, a wrong path, a record the endpoint refuses).</summary>
    private sealed class RecordRefusedException(HttpStatusFailure failure) : Exception(failure.Message)
    {
        public HttpStatusFailure Failure { get; } = failure;
    }

    private static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private void ThrowIfFailed()
    {
        if (_failure is { } failure) throw failure;
    }

    /// <summary>Waits until no request is in flight: every slot taken, then all given back.</summary>
    private void Drain()
    {
        for (var i = 0; i < MaxInFlight; i++) _slots.Wait();
        _slots.Release(MaxInFlight);
        ThrowIfFailed();
    }

    public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state, IOutput output) => Drain();

    public void OnEnd(IOutput output) => Drain();

    public void Close()
    {
        _stop.Cancel();
        _client?.Dispose();
    }
}
