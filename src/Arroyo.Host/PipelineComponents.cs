using Arroyo.Expressions;
using Arroyo.Connectors;
using Arroyo.Execution;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Arroyo.Host;

/// <summary>
/// What the composition root hands the host: the connectors the SQL may name, the factories
/// of the runtime's operators, and where logs go. Built once per process, shared by runs.
/// </summary>
public sealed record PipelineComponents
{
    public required ConnectorCatalog Connectors { get; init; }

    /// <summary>The operator factories, given the same catalog (its sources and sinks are registered too).</summary>
    public required Func<ConnectorCatalog, OperatorRegistry> Operators { get; init; }

    /// <summary>
    /// The function registries (scalar, aggregate, window; user functions included): the planner
    /// binds calls with them and the runtime resolves the same calls in them.
    /// </summary>
    public FunctionLibrary Functions { get; init; } = FunctionLibrary.CreateBuiltins();

    public ILoggerFactory Logging { get; init; } = NullLoggerFactory.Instance;

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
