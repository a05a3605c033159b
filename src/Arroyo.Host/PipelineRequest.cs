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

    /// <summary>
    /// Start fresh although the state dir holds checkpoints of this same query: set for the second
    /// attempt after <c>--force</c> met a checkpoint this build cannot restore (a
    /// <see cref="Arroyo.Execution.StateFormatException"/>). Never set from the command line.
    /// </summary>
    public bool DiscardCheckpoints { get; init; }

    /// <summary>Configuration by dotted key (see <see cref="ConfigValues"/>).</summary>
    public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>();

    /// <summary>Environment variables the object stores read credentials from; null: the process's.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>
    /// The user-function source files the run compiled (name, text), in load order. Like the
    /// query they are the pipeline's identity: a changed UDF is a changed pipeline.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> FunctionSources { get; init; } = [];

    /// <summary>What the state dir records and compares (<c>pipeline.json</c>): the query, then each UDF file.</summary>
    public string Identity => FunctionSources.Count == 0
        ? Query
        : Query + string.Concat(FunctionSources.Select(f => $"\n\n-- UDF file {f.Key}\n{f.Value}"));

    /// <summary>Relative state-dir paths resolve against this.</summary>
    public string WorkingDirectory { get; init; } = Directory.GetCurrentDirectory();
}
