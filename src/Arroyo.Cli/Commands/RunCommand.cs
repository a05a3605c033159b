using System.Runtime.InteropServices;
using Arroyo.Cli.Composition;
using Arroyo.Cli.Configuration;
using Arroyo.Core.Errors;
using Arroyo.Execution;
using Arroyo.Planner;
using Arroyo.Runtime;
using Arroyo.State.Checkpoints;
using Arroyo.Storage.Cloud;
using Arroyo.Storage;

namespace Arroyo.Cli.Commands;

/// <summary>
/// <c>arroyo run</c>: read the query, plan it, open the state dir (restoring if it has a
/// checkpoint), run until the sources end or a signal asks to stop, and exit 0 after the
/// final checkpoint.
/// </summary>
public sealed class RunCommand
{
    private readonly RunOptions _options;
    private readonly Log _log;
    private readonly TextReader _stdin;

    public RunCommand(RunOptions options, Log log, TextReader stdin)
    {
        _options = options;
        _log = log;
        _stdin = stdin;
    }

    /// <summary>The query text currently being run, for rendering SQL errors.</summary>
    public string? QueryText { get; private set; }

    public int Execute(CancellationToken stop)
    {
        var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
        var config = ArroyoConfig.Load(Directory.GetCurrentDirectory(), _options.ConfigFile, environment);

        QueryText = ReadQuery(config);
        var name = _options.Name ?? config.Get("run.name") ?? "query";
        var flushInterval = config.GetDuration("pipeline.update-aggregate-flush-interval", TimeSpan.FromSeconds(1));
        var checkpointInterval = config.GetDuration("default-checkpoint-interval", TimeSpan.FromSeconds(10));

        var connectors = BuiltIns.Connectors();
        var plan = PipelinePlanner.Plan(QueryText, new PlanOptions
        {
            Connectors = connectors,
            Parallelism = _options.Parallelism,
            Config = config.Values,
        });
        _log.Debug("dataflow:\n" + plan.Explain());

        var stateDir = _options.StateDir ?? config.Get("run.state-dir");
        if (stateDir is null)
        {
            stateDir = Path.Combine(Path.GetTempPath(), $"arroyo-run-{Guid.NewGuid():N}"[..24]);
            _log.Info($"no --state-dir given: checkpoints go to {stateDir}");
        }
        var url = StorageUrl.Parse(stateDir, Directory.GetCurrentDirectory());
        var store = ObjectStoreFactory.Create(url, environment);
        try
        {
            CheckpointStore checkpoints;
            StateLease lease;
            try
            {
                (checkpoints, lease) = StateDirectory.OpenAsync(store, new StateDirectory.OpenOptions(
                    QueryText, name, _options.Parallelism, _options.Force, _log.Info), stop).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Ctrl-C/SIGTERM while a slow or unreachable store was being opened: nothing ran,
                // so there is nothing to checkpoint, and the state dir is as it was.
                _log.Info("stopped while opening the state dir: the pipeline did not start and its state is unchanged");
                return 0;
            }
            using var _ = new AsyncDisposer(lease);
            var registry = BuiltIns.Operators(connectors);
            var settings = new RunSettings
            {
                CheckpointInterval = checkpointInterval,
                UpdateAggregateFlushInterval = flushInterval,
                Log = _log.Info,
                Config = config.Values,
                BatchSize = config.GetInt("pipeline.source-batch-size", 4096),
                SourcePollDelay = config.GetDuration("debug.source-poll-delay", TimeSpan.Zero),
                StopAfterCheckpoints = config.Get("debug.stop-after-checkpoints") is null ? null : config.GetInt("debug.stop-after-checkpoints", 0),
            };
            _log.Info($"running pipeline '{name}' at parallelism {_options.Parallelism}");
            var result = new Engine(plan.Graph, registry, checkpoints, settings).Run(stop);
            _log.Info($"pipeline finished; last checkpoint {result.LastCheckpointEpoch}");
        }
        finally
        {
            store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        return 0;
    }

    private string ReadQuery(ArroyoConfig config)
    {
        // As in the reference, ARROYO__RUN__QUERY (run.query) wins over the argument.
        var fromConfig = config.Get("run.query");
        if (fromConfig is not null) return fromConfig;
        if (_options.Query == "-")
        {
            var text = _stdin.ReadToEnd();
            if (text.Trim().Length == 0)
            {
                throw new UserException("no query given: stdin was empty",
                    hint: "pass a query file (arroyo run query.sql), pipe the query on stdin, or set ARROYO__RUN__QUERY");
            }
            return text;
        }
        if (!File.Exists(_options.Query))
        {
            throw new UserException($"query file '{_options.Query}' does not exist");
        }
        return File.ReadAllText(_options.Query);
    }

    private sealed class AsyncDisposer(IAsyncDisposable target) : IDisposable
    {
        public void Dispose() => target.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
