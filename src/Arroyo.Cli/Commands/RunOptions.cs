namespace Arroyo.Cli.Commands;

/// <summary>The options of <c>arroyo run</c>, as typed on the command line.</summary>
public sealed record RunOptions
{
    /// <summary>A file path, or "-" for stdin.</summary>
    public string Query { get; init; } = "-";

    public string? Name { get; init; }

    public string? StateDir { get; init; }

    public int Parallelism { get; init; } = 1;

    public bool Force { get; init; }

    /// <summary>No live progress line on stderr, even on a terminal.</summary>
    public bool Quiet { get; init; }

    /// <summary><c>--explain</c>: print the dataflow graph and exit without running (as an <c>EXPLAIN</c> statement does).</summary>
    public bool Explain { get; init; }

    public string? ConfigFile { get; init; }

    /// <summary><c>--udf PATH</c>, in the order given: C# UDF files or folders of them.</summary>
    public IReadOnlyList<string> Udfs { get; init; } = [];
}
