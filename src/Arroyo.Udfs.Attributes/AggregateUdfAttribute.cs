namespace Arroyo.Udfs;

/// <summary>
/// Makes a public static method a SQL aggregate function (UDAF). Each parameter is an array
/// (<c>T[]</c> or <c>IReadOnlyList&lt;T&gt;</c>) receiving one argument's values over the group,
/// in arrival order; the method returns the group's result. Rows where an argument whose
/// element type is not nullable is NULL are left out; a group with no rows left gives NULL.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class AggregateUdfAttribute : UdfAttribute
{
    public AggregateUdfAttribute() : base(null) { }

    /// <param name="name">The SQL name; default: the method's name.</param>
    public AggregateUdfAttribute(string name) : base(name) { }
}
