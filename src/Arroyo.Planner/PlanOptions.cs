using Arroyo.Connectors;
using Arroyo.Expressions;

namespace Arroyo.Planner;

/// <summary>Settings for <see cref="PipelinePlanner.Plan"/>.</summary>
public sealed record PlanOptions
{
    /// <summary>The connectors CREATE TABLE may name (the composition root builds it).</summary>
    public required ConnectorCatalog Connectors { get; init; }

    /// <summary>Subtasks per operator.</summary>
    public int Parallelism { get; init; } = 1;

    /// <summary>Configuration values by dotted key, e.g. <c>pipeline.update-aggregate-flush-interval</c>.</summary>
    public IReadOnlyDictionary<string, string> Config { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The functions the SQL may call: scalar, aggregate and window registries, user functions
    /// included. The composition root gives the planner and the runtime the same instance;
    /// left unset, a fresh library of the built-ins.
    /// </summary>
    public FunctionLibrary Functions { get; init; } = FunctionLibrary.CreateBuiltins();

    /// <summary>
    /// Tables defined before the script, as CREATE TABLE statements (the reference's planner
    /// tests pre-register a <c>nexmark</c> table this way).
    /// </summary>
    public IReadOnlyList<string> Prelude { get; init; } = [];
}
