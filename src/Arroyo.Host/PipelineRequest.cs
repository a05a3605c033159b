namespace Arroyo.Host;

/// <summary>What to run: the query and the options of <c>arroyo run</c>, plus the layered configuration.</summary>
public sealed record PipelineRequest
{
    /// <summary>The SQL text: CREATE TABLEs, views and INSERT/SELECT statements.</summary>
    public required string Query { get; init; }

    public string Name { get; init; } = "query";

    public int Parallelism { get; init; } = 1;

    /// <summary>A path or store URL; null: a new directory under the system temp dir.</summary>
    public string? StateDir { get; init; }

    /// <summary>Take over a state dir that belongs to another query, or whose checkpoints are unreadable.</summary>
    public bool Force { get; init; }

    /// <summary>Configuration by dotted key (see <see cref="ConfigValues"/>).</summary>
    public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>();

    /// <summary>Environment variables the object stores read credentials from; null: the process's.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Relative state-dir paths resolve against this.</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();
}
