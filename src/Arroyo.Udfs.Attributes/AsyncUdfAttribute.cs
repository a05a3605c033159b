namespace Arroyo.Udfs;

/// <summary>
/// Makes a public static method returning <c>Task&lt;T&gt;</c> or <c>ValueTask&lt;T&gt;</c> a SQL
/// scalar function whose calls run concurrently (an HTTP lookup, a model call). The options
/// are the reference's: <see cref="Ordered"/>, <see cref="AllowedInFlight"/> and <see cref="Timeout"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class AsyncUdfAttribute : UdfAttribute
{
    public AsyncUdfAttribute() : base(null) { }

    /// <param name="name">The SQL name; default: the method's name.</param>
    public AsyncUdfAttribute(string name) : base(name) { }

    /// <summary>
    /// Results in input order (the reference's <c>ordered</c>); false is its default,
    /// <c>unordered</c>. Each batch's calls complete before the batch moves on, so both emit
    /// rows in input order here; the option is accepted for the reference's code to carry over.
    /// </summary>
    public bool Ordered { get; set; }

    /// <summary>Calls in flight at once (the reference's <c>allowed_in_flight</c>, default 1000).</summary>
    public int AllowedInFlight { get; set; } = 1000;

    /// <summary>Longest a call may take, e.g. <c>"5s"</c>, <c>"500ms"</c>, <c>"2m"</c> (default 5 s); a call past it is a failure.</summary>
    public string Timeout { get; set; } = "5s";
}
