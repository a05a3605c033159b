using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Arroyo.Execution;

/// <summary>
/// Enumerates a source on a thread of its own, up to a bounded number of items ahead of the
/// consumer: a restore decodes its state files there while the operator's thread builds its
/// table from what was decoded, so the two halves overlap on two cores instead of following
/// one another on one.
/// </summary>
public static class ReadAhead
{
    /// <summary>
    /// The items of <paramref name="source"/> in order, produced on a dedicated thread at most
    /// <paramref name="depth"/> ahead. The source must not depend on the consumer's thread
    /// (it runs on another). An exception of the source is rethrown to the consumer after the
    /// items before it; a consumer that stops early (or fails) stops the source at its next
    /// item and waits for its thread, so nothing runs on after the enumeration is disposed.
    /// </summary>
    public static IEnumerable<T> Run<T>(IEnumerable<T> source, int depth, string threadName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        using var queue = new BlockingCollection<T>(depth);
        using var stop = new CancellationTokenSource();
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                foreach (var item in source)
                {
                    queue.Add(item, stop.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The consumer left early: nobody wants the rest.
            }
            catch (Exception error)
            {
                failure = error;
            }
            finally
            {
                queue.CompleteAdding();
            }
        })
        {
            IsBackground = true,
            Name = threadName.Length > 15 ? threadName[..15] : threadName,
        };
        thread.Start();
        try
        {
            foreach (var item in queue.GetConsumingEnumerable()) yield return item;
            thread.Join();
            if (failure is not null) ExceptionDispatchInfo.Throw(failure);
        }
        finally
        {
            stop.Cancel();
            thread.Join();
        }
    }
}
