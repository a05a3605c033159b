using Arroyo.Cli.Composition;
using Arroyo.Cli.Configuration;
using Arroyo.Cli.Logging;
using Arroyo.Cli.Memory;
using Arroyo.Cli.Progress;
using Arroyo.Core.Errors;
using Arroyo.Execution;
using Arroyo.Host;
using Arroyo.Web;
using Microsoft.Extensions.Logging;

namespace Arroyo.Cli.Commands;

/// <summary>
/// <c>arroyo run</c>: read the configuration and the query, start the pipeline through the
/// host (which plans it, opens the state dir and restores), and wait until the sources end
/// or a signal asks to stop; exit 0 after the final checkpoint.
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
        var environment = EnvironmentVariables();
        var config = ArroyoConfig.Load(Directory.GetCurrentDirectory(), _options.ConfigFile, environment);
        LogSettings.Apply(_log, config.Values);
        var heap = HeapLimit.ApplyToThisProcess();
        if (heap.Bytes is null) _log.Debug($"memory: {heap.Origin}");
        else _log.Info($"memory: {heap.Origin}");
        QueryText = ReadQuery(config);
        // Read before anything runs, so a bad api.* setting fails the start, not a running pipeline.
        var web = WebSettings.From(new ConfigValues(config.Values));
        var udfs = UserFunctions.Load(_options, config, QueryText, _log);
        _log.Debug(StartupCost.At("configuration read"));

        using var logging = new StderrLoggerFactory(_log);
        var connectors = BuiltIns.Connectors();
        var host = new PipelineHost(new PipelineComponents
        {
            Connectors = connectors,
            Operators = BuiltIns.Operators,
            Functions = udfs.Compiled?.AddTo(BuiltIns.Functions(), _log.Warn) ?? BuiltIns.Functions(),
            Logging = logging,
        });
        var request = new PipelineRequest
        {
            Query = QueryText,
            Name = _options.Name ?? config.Get("run.name") ?? "query",
            Parallelism = _options.Parallelism,
            StateDir = _options.StateDir ?? config.Get("run.state-dir"),
            Force = _options.Force,
            Config = config.Values,
            Environment = environment,
            FunctionSources = udfs.Identity,
        };
        // EXPLAIN (in the script or as --explain) plans and prints; no state dir, no server.
        var plan = host.Plan(request);
        _log.Debug(StartupCost.At("planned"));
        if (_options.Explain || plan.IsExplain)
        {
            Console.Out.Write(plan.Explain());
            Console.Out.Flush();
            return 0;
        }
        // The server listens before the pipeline starts: a port that is taken fails the run before
        // anything ran. ASP.NET Core itself starts at the first connection (a run nobody looks at
        // does not pay for it). It stays up across restarts, showing whichever run is current.
        var slot = new PipelineSlot();
        var server = web.Enabled ? WebServer.StartAsync(slot, web, onError: _log.Warn).GetAwaiter().GetResult() : null;
        // Debug: the address is in the "dashboard at" line once the pipeline runs, and an error
        // opening the state dir stays the first thing a user reads.
        if (server is not null) _log.Debug($"HTTP server listening at {server.Address}");
        _log.Debug(StartupCost.At("server listening"));
        try
        {
            var restarts = new RestartPolicy(new ConfigValues(config.Values));
            while (true)
            {
                RunningPipeline pipeline;
                try
                {
                    pipeline = host.StartAsync(request, plan, stop).GetAwaiter().GetResult();
                    _log.Debug(StartupCost.At("pipeline running"));
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // Ctrl-C/SIGTERM while a slow or unreachable store was being opened: nothing ran,
                    // so there is nothing to checkpoint, and the state dir is as it was.
                    _log.Info("stopped while opening the state dir: the pipeline did not start and its state is unchanged");
                    return 0;
                }
                try
                {
                    RunToCompletion(pipeline, slot, server, stop);
                    return 0;
                }
                catch (Exception error) when (!stop.IsCancellationRequested && ForceDiscards(request, error, pipeline))
                {
                    // The query is the same, but this build cannot restore its checkpoint (another
                    // plan or state layout wrote it). --force means: start anyway, as it does for a
                    // state dir of another query; nothing of this attempt was committed.
                    _log.Warn($"--force: {ErrorReport.Describe(error)}");
                    request = pipeline.Request with { Force = false, DiscardCheckpoints = true };
                }
                catch (Exception error) when (!stop.IsCancellationRequested && restarts.ShouldRestart(error, pipeline) is { } wait)
                {
                    _log.Warn($"pipeline failed: {ErrorReport.Describe(error)}; restarting from its last checkpoint in {wait.TotalSeconds:0.#} s " +
                              $"(restart {restarts.Count} of {restarts.Allowed} allowed by pipeline.allowed-restarts)");
                    if (stop.WaitHandle.WaitOne(wait)) return 0;
                    // Same state dir (a temporary one included); never --force again, which would discard what was restored.
                    request = pipeline.Request with { Force = false };
                }
            }
        }
        finally
        {
            _log.Debug(StartupCost.At("pipeline finished"));
            server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            // What the GC did over the run: the first thing to read when a run is slower at -p 2.
            _log.Debug($"memory: {HeapLimit.DescribeGcWork()}");
        }
    }

    /// <summary>
    /// Whether a run started with <c>--force</c> failed because its restored checkpoint cannot be
    /// read by this build, before completing a checkpoint of its own: then it starts over fresh.
    /// </summary>
    private static bool ForceDiscards(PipelineRequest request, Exception error, RunningPipeline pipeline) =>
        request.Force && pipeline.RestoredEpoch is not null && pipeline.LastCompletedCheckpoint is null &&
        ErrorReport.Unwrap(error) is StateFormatException;

    private void RunToCompletion(RunningPipeline pipeline, PipelineSlot slot, WebServer? server, CancellationToken stop)
    {
        using (stop.Register(pipeline.RequestStop))
        {
            if (server is not null)
            {
                slot.Show(pipeline);
                _log.Info($"Pipeline running... dashboard at {server.DashboardUrl(pipeline)}");
            }
            using var progress = ProgressLine.ShouldShow(_options.Quiet, _log.Format) ? new ProgressLine(pipeline, _log) : null;
            pipeline.Completion.GetAwaiter().GetResult();
        }
    }

    // A loop, not Cast<DictionaryEntry>().ToDictionary(): LINQ over that struct is in no ReadyToRun
    // image, so every start JIT-compiled it.
    private static Dictionary<string, string> EnvironmentVariables()
    {
        var variables = new Dictionary<string, string>();
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            variables.Add((string)entry.Key, (string?)entry.Value ?? "");
        }
        return variables;
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
        return InputFiles.ReadText(_options.Query, "query file");
    }
}
