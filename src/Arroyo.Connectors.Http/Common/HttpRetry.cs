using Polly;
using Polly.Retry;

namespace Arroyo.Connectors.Http.Common;

/// <summary>
/// The HTTP connectors' retries as a Polly pipeline, with the policy of <see cref="Reachability"/>:
/// a failure the caller calls retryable is tried again, without limit once the endpoint answered,
/// for <see cref="Reachability.Patience"/> while it never did; then the last failure is thrown to
/// the caller, which reports it (naming host and port, never the URL). Cancellation ends the
/// retries at once. Delays are exponential from 100 ms, doubling to 5 s, without jitter, unless
/// the caller computes them (a streaming source resets its backoff once data flows again).
/// </summary>
internal static class HttpRetry
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    /// <param name="retryable">Whether a failure is worth another attempt; any other is thrown to the caller at once.</param>
    /// <param name="onRetry">Before each wait: the failure, the wait, and which retry this is (1, 2, …), for warnings.</param>
    /// <param name="delay">The wait before the next attempt; null for the exponential default.</param>
    public static ResiliencePipeline Create(Reachability reachability, Func<Exception, bool> retryable, Action<Exception, TimeSpan, int> onRetry,
        Func<TimeSpan>? delay = null)
    {
        var options = new RetryStrategyOptions
        {
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            Delay = FirstDelay,
            MaxDelay = MaxDelay,
            UseJitter = false,
            // Evaluated once per failure, in this order: a stop, a failure not worth retrying, then patience (which counts this failure).
            ShouldHandle = args => ValueTask.FromResult(
                !args.Context.CancellationToken.IsCancellationRequested &&
                args.Outcome.Exception is { } failure && retryable(failure) && !reachability.FailedAndGivesUp()),
            OnRetry = args =>
            {
                onRetry(args.Outcome.Exception!, args.RetryDelay, args.AttemptNumber + 1);
                return ValueTask.CompletedTask;
            },
        };
        if (delay is not null) options.DelayGenerator = _ => ValueTask.FromResult<TimeSpan?>(delay());
        return new ResiliencePipelineBuilder().AddRetry(options).Build();
    }
}
