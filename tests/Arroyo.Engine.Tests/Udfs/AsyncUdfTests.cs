using Arroyo.Core.Types;
using Arroyo.Expressions;
using Arroyo.Expressions.Bound;
using static Arroyo.Engine.Tests.Udfs.UdfTestSupport;

namespace Arroyo.Engine.Tests.Udfs;

public sealed class AsyncUdfTests
{
    private const string Lookups = """
        public static class Lookups
        {
            private static int s_inFlight;
            private static int s_started;

            // The first four calls wait until four are in flight (so they must run at once), no
            // call may see a fifth, and later rows finish first: results still come in row order.
            [AsyncUdf(Ordered = true, AllowedInFlight = 4)]
            public static async Task<long> slow_negate(long x)
            {
                var inFlight = Interlocked.Increment(ref s_inFlight);
                Interlocked.Increment(ref s_started);
                if (inFlight > 4) throw new InvalidOperationException($"{inFlight} calls in flight");
                var deadline = DateTime.UtcNow.AddSeconds(20);
                while (Volatile.Read(ref s_started) < 4)
                {
                    if (DateTime.UtcNow > deadline) throw new InvalidOperationException("the calls did not run concurrently");
                    await Task.Delay(1);
                }
                await Task.Delay(TimeSpan.FromMilliseconds(40 - 4 * x));
                Interlocked.Decrement(ref s_inFlight);
                return -x;
            }

            [AsyncUdf(Timeout = "100ms", OnError = UdfErrorPolicy.Null)]
            public static async ValueTask<string> sleepy(long ms)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(ms));
                return $"slept {ms}";
            }

            [AsyncUdf]
            public static Task<long> fails(long x) => x == 2 ? throw new InvalidOperationException("two") : Task.FromResult(x);
        }
        """;

    [Fact]
    public void Calls_run_concurrently_up_to_the_limit_and_results_keep_row_order()
    {
        var library = Library(null, ("lookups.cs", Lookups));
        var result = Call(library, "slow_negate", [DataType.Int64], DataType.Int64, Primitives<long>(DataType.Int64, 0, 1, null, 3, 4, 5, 6, 7, 8, 9));
        Assert.Equal(new object?[] { 0L, -1L, null, -3L, -4L, -5L, -6L, -7L, -8L, -9L }, Values(result));
    }

    [Fact]
    public void A_call_past_its_timeout_fails_and_under_OnError_null_gives_null()
    {
        var warnings = new List<string>();
        var library = Library(warnings, ("lookups.cs", Lookups));
        var result = Call(library, "sleepy", [DataType.Int64], DataType.Utf8, Primitives<long>(DataType.Int64, 1, 5000, 2));
        Assert.Equal(new object?[] { "slept 1", null, "slept 2" }, Values(result));
        Assert.Contains("user function 'sleepy' threw TimeoutException: the call did not finish within its timeout of 100 ms", Assert.Single(warnings));
    }

    [Fact]
    public void A_failing_async_call_stops_with_the_row()
    {
        var library = Library(null, ("lookups.cs", Lookups));
        var error = Assert.Throws<DataException>(() => Call(library, "fails", [DataType.Int64], DataType.Int64, Primitives<long>(DataType.Int64, 1, 2, 3)));
        Assert.Contains("user function 'fails' threw InvalidOperationException: two", error.Message);
        Assert.Contains("row (x = 2)", error.Message);
    }

    [Fact]
    public void An_async_udf_is_volatile_so_planning_never_calls_it()
    {
        var library = Library(null, ("lookups.cs", Lookups));
        var call = library.Scalar.BindCall("slow_negate", [new Literal(5L, DataType.Int64)]);
        Assert.IsType<ScalarCall>(call);
        Assert.True(((ScalarCall)call).Function.IsVolatile);
    }
}
