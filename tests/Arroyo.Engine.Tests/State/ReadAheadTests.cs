using Arroyo.Execution;

namespace Arroyo.Engine.Tests.State;

public sealed class ReadAheadTests
{
    [Fact]
    public void Items_come_in_order_from_another_thread()
    {
        var consumer = Environment.CurrentManagedThreadId;
        var producers = new HashSet<int>();
        IEnumerable<int> Source()
        {
            for (var i = 0; i < 1000; i++)
            {
                lock (producers) producers.Add(Environment.CurrentManagedThreadId);
                yield return i;
            }
        }
        Assert.Equal(Enumerable.Range(0, 1000), ReadAhead.Run(Source(), 4, "test").ToList());
        Assert.DoesNotContain(consumer, producers);
    }

    [Fact]
    public void A_failure_of_the_source_reaches_the_consumer_after_the_items_before_it()
    {
        IEnumerable<int> Source()
        {
            yield return 1;
            yield return 2;
            throw new InvalidDataException("state file x cannot be decoded");
        }
        var seen = new List<int>();
        var error = Assert.Throws<InvalidDataException>(() =>
        {
            foreach (var item in ReadAhead.Run(Source(), 8, "test")) seen.Add(item);
        });
        Assert.Equal("state file x cannot be decoded", error.Message);
        Assert.Equal([1, 2], seen);
    }

    [Fact]
    public void A_consumer_that_stops_early_stops_the_source_before_the_enumeration_ends()
    {
        var produced = 0;
        var disposed = false;
        IEnumerable<int> Source()
        {
            try
            {
                for (var i = 0; ; i++)
                {
                    Interlocked.Increment(ref produced);
                    yield return i;
                }
            }
            finally
            {
                disposed = true;
            }
        }
        Assert.Equal([0, 1, 2], ReadAhead.Run(Source(), 2, "test").Take(3).ToList());
        // Disposing the enumeration joined the producer: its source was disposed, and it went
        // no further than the queue's bound past what was taken (plus the item it was adding).
        Assert.True(disposed);
        Assert.InRange(Volatile.Read(ref produced), 3, 3 + 2 + 1);
    }
}
