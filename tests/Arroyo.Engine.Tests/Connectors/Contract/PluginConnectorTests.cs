using Arroyo.Cli.Composition;
using Arroyo.Connectors;
using Arroyo.Connectors.Options;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Partitioning;
using Arroyo.Core.Types;
using Arroyo.Execution;
using Arroyo.Formats;

namespace Arroyo.Engine.Tests.Connectors.Contract;

/// <summary>
/// A connector written outside the product, against the public seams only (the connector
/// SDK and the execution contract): it registers in a catalog, plans, runs, checkpoints and
/// restores at another parallelism like a built-in one, and passes the same contract.
/// </summary>
public sealed class PluginConnectorTests : ConnectorContractTests
{
    protected override ConnectorCatalog Catalog() => BuiltIns.Connectors().Add(new CountdownConnector());

    protected override string TableWithMisspelledOption => "CREATE TABLE t WITH (connector = 'countdown', strat = '5')";

    protected override (string Written, string Meant) MisspelledOption => ("strat", "start");

    protected override string BoundedSourceTable(string dir) => "CREATE TABLE src WITH (connector = 'countdown', start = '300')";

    [Fact]
    public void The_plugin_appears_in_the_plan_like_a_built_in()
    {
        var plan = Arroyo.Planner.PipelinePlanner.Plan(
            "CREATE TABLE c WITH (connector = 'countdown', start = '3'); SELECT n FROM c;",
            new Arroyo.Planner.PlanOptions { Connectors = Catalog() });
        Assert.Contains("Countdown<3>", plan.Explain());
    }

    private sealed record CountdownConfig(long Start) : ConnectorConfig;

    /// <summary>Counts down from <c>start</c> to 1, in <see cref="Splits"/> interleaved splits shared out among the subtasks.</summary>
    private sealed class CountdownConnector : ConnectorBase, IConnectorRuntime
    {
        public const int Splits = 6;

        public override string Name => "countdown";

        public override ConnectorRoles Roles => ConnectorRoles.Source;

        protected override FormatKind? DefaultFormat => null;

        protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
        {
            var start = options.Long("start") ?? throw options.Missing("start", "countdown needs a start", "add start = '10'");
            return new BoundParts([new Field("n", DataType.Int64, false)], new CountdownConfig(start), $"Countdown<{start}>")
            {
                IsBounded = true,
                HasFixedSchema = true,
                UsesFormat = false,
            };
        }

        public ISource CreateSource(SourceSpec spec, OperatorContext context) =>
            new CountdownSource(((CountdownConfig)spec.Table.Config).Start, spec.Output, context);
    }

    /// <summary>
    /// Split s counts start−s, start−s−Splits, … down to 1. State is one row per split, keyed
    /// by the split's hash, so each subtask restores exactly the splits its key range owns.
    /// </summary>
    private sealed class CountdownSource(long start, Schema schema, OperatorContext context) : ISource
    {
        private static readonly Schema s_state = new(
        [
            new Field(StateColumns.KeyHashColumn, DataType.UInt64, false),
            new Field("split", DataType.Int64, false),
            new Field("next", DataType.Int64, false),
        ]);

        private readonly Dictionary<long, long> _next = [];

        public void Open(OperatorContext context)
        {
            for (var split = 0L; split < CountdownConnector.Splits; split++)
            {
                if (KeyRange.Owns(context.SubtaskIndex, context.Parallelism, HashOf(split))) _next[split] = start - split;
            }
            foreach (var batch in context.State.ReadTable("splits"))
            {
                var splits = (PrimitiveColumn<long>)batch.Columns[1];
                var next = (PrimitiveColumn<long>)batch.Columns[2];
                for (var r = 0; r < batch.RowCount; r++) _next[splits[r]] = next[r];
            }
        }

        public SourceStatus Poll(IOutput output)
        {
            var values = new List<long>();
            foreach (var split in _next.Keys.ToArray())
            {
                for (var i = 0; i < context.Settings.BatchSize && _next[split] > 0; i++)
                {
                    values.Add(_next[split]);
                    _next[split] -= CountdownConnector.Splits;
                }
            }
            if (values.Count == 0) return SourceStatus.Finished;
            var times = Enumerable.Repeat(DateTime.UnixEpoch.Ticks * 100L, values.Count).ToArray();
            output.Emit(new Batch(schema, [
                new PrimitiveColumn<long>(DataType.Int64, values.ToArray()),
                new PrimitiveColumn<long>(DataType.Timestamp, times),
            ], values.Count));
            return SourceStatus.Continue;
        }

        public void OnCheckpoint(CheckpointBarrier barrier, IStateWriter state)
        {
            var splits = _next.Keys.ToArray();
            state.WriteTable("splits", new Batch(s_state, [
                new PrimitiveColumn<ulong>(DataType.UInt64, splits.Select(HashOf).ToArray()),
                new PrimitiveColumn<long>(DataType.Int64, splits),
                new PrimitiveColumn<long>(DataType.Int64, splits.Select(s => _next[s]).ToArray()),
            ], splits.Length));
        }

        private static ulong HashOf(long split) => KeyHasher.HashString("countdown-" + split);
    }
}
