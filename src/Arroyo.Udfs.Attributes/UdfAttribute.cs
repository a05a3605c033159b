namespace Arroyo.Udfs;

/// <summary>What every UDF attribute carries: the SQL name and what an exception does.</summary>
public abstract class UdfAttribute : Attribute
{
    /// <param name="name">The SQL name; null: the method's name.</param>
    protected UdfAttribute(string? name) => Name = name;

    /// <summary>The SQL name; null: the method's name.</summary>
    public string? Name { get; }

    /// <summary>What an exception thrown by the method does: stop the pipeline (default) or give NULL and log.</summary>
    public UdfErrorPolicy OnError { get; set; }
}
