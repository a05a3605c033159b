namespace Arroyo.Udfs;

/// <summary>
/// Makes a public static method a SQL scalar function, called once per row. Parameter and
/// return types map to SQL types (long → BIGINT, ulong → BIGINT UNSIGNED, string → TEXT, …);
/// a NULL argument for a parameter that is not nullable gives NULL without calling the method.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ScalarUdfAttribute : UdfAttribute
{
    public ScalarUdfAttribute() : base(null) { }

    /// <param name="name">The SQL name; default: the method's name.</param>
    public ScalarUdfAttribute(string name) : base(name) { }
}
