using Arroyo.Core.Columns;

namespace Arroyo.Udfs.Runtime;

/// <summary>
/// Runs an async UDF over one batch: a call per valid row, at most
/// <see cref="AsyncUdfOptions.AllowedInFlight"/> at once, each bounded by the timeout, and
/// returns when every call has finished. Because the batch's calls all end before the kernel
/// returns, no call is ever in flight across a checkpoint barrier (barriers travel between
/// batches), so a restore never loses or repeats a result; and rows leave in input order
/// whether the function is ordered or not. The subtask thread blocks while it waits, as for
/// any other kernel; the calls themselves run on the thread pool after their first await.
/// </summary>
public static class AsyncCalls
{
    /// <summary>The results of rows whose call succeeded; <c>failed[i]</c> for rows whose call threw or timed out (after <paramref name="fault"/> allowed it).</summary>
    public static (T[] Results, bool[]? Failed) Run<T>(int rowCount, Bitmap? valid, Column[] args, AsyncUdfOptions options, UdfFault fault,
        Func<int, ValueTask<T>> call) =>
        RunAsync(rowCount, valid, args, options, fault, call).GetAwaiter().GetResult();

    private static async Task<(T[] Results, bool[]? Failed)> RunAsync<T>(int rowCount, Bitmap? valid, Column[] args, AsyncUdfOptions options,
        UdfFault fault, Func<int, ValueTask<T>> call)
    {
        var results = new T[rowCount];
        var errors = new Exception?[rowCount];
        using var slots = new SemaphoreSlim(Math.Max(1, options.AllowedInFlight));
        var running = new List<Task>(Math.Min(rowCount, options.AllowedInFlight));
        for (var i = 0; i < rowCount; i++)
        {
            if (valid is not null && !valid.Get(i)) continue;
            await slots.WaitAsync().ConfigureAwait(false);
            running.Add(CallOne(i));
        }
        await Task.WhenAll(running).ConfigureAwait(false);

        bool[]? failed = null;
        for (var i = 0; i < rowCount; i++)
        {
            if (errors[i] is not { } error) continue;
            fault.Row(error, args, i); // throws under OnError = Fail: the first failing row in input order is reported
            (failed ??= new bool[rowCount])[i] = true;
        }
        return (results, failed);

        async Task CallOne(int row)
        {
            try
            {
                results[row] = await InvokeAsync(call, row).AsTask().WaitAsync(options.Timeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                errors[row] = new TimeoutException($"the call did not finish within its timeout of {options.Timeout.TotalMilliseconds:0} ms");
            }
            catch (Exception e)
            {
                errors[row] = e;
            }
            finally
            {
                slots.Release();
            }
        }
    }

    // A method that throws before its first await throws here, not in the task: turn it into a failed task.
    private static ValueTask<T> InvokeAsync<T>(Func<int, ValueTask<T>> call, int row)
    {
        try
        {
            return call(row);
        }
        catch (Exception e)
        {
            return ValueTask.FromException<T>(e);
        }
    }
}
