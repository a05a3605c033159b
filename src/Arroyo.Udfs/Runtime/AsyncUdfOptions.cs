namespace Arroyo.Udfs.Runtime;

/// <summary>An async UDF's options (from <see cref="AsyncUdfAttribute"/>), with the timeout parsed.</summary>
public sealed record AsyncUdfOptions(bool Ordered, int AllowedInFlight, TimeSpan Timeout);
