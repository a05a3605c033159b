using System.Runtime.InteropServices;
using Arroyo.Cli;
using Arroyo.Cli.Commands;
using Arroyo.Core.Errors;

// Entry point: parse the command line, run, and turn every failure into a clear message
// and a non-zero exit code. A stack trace is printed only for bugs.
InheritedSignals.RestoreInterrupt();
var stderr = Console.Error;
var log = new Log(stderr, Environment.GetEnvironmentVariable("ARROYO__DEBUG") is "1" or "true");
RunCommand? run = null;
// When the state outgrows the heap limit, the allocation that fails may be on a thread outside the
// pipeline's own (the monitor's timer sampling rates, a background cleanup), whose exception nobody
// catches. The runtime would then print only "Out of memory." and abort (exit 134); this gives the
// same clear error and exit code as an out-of-memory in a subtask. Other unhandled exceptions are
// bugs and keep the runtime's report with its stack trace.
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
{
    if (e.ExceptionObject is not OutOfMemoryException outOfMemory) return;
    var code = ErrorReport.Print(outOfMemory, null, stderr);
    stderr.Flush();
    Environment.Exit(code);
};
try
{
    var parsed = CommandLine.Parse(args);
    switch (parsed)
    {
        case CommandLine.ShowHelp help:
            Console.Out.WriteLine(help.Text);
            return 0;
        case CommandLine.ShowVersion:
            Console.Out.WriteLine($"arroyo {typeof(RunCommand).Assembly.GetName().Version?.ToString(3)}");
            return 0;
        case CommandLine.Run runArgs:
            using (var stop = new CancellationTokenSource())
            {
                var signals = 0;
                void OnSignal(PosixSignalContext context)
                {
                    context.Cancel = true;
                    if (Interlocked.Increment(ref signals) == 1)
                    {
                        log.Info($"received {context.Signal}: stopping after a final checkpoint (signal again to exit at once)");
                        stop.Cancel();
                    }
                    else
                    {
                        log.Warn("second signal: exiting without a final checkpoint");
                        Environment.Exit(130);
                    }
                }
                using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
                using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
                run = new RunCommand(runArgs.Options, log, Console.In);
                return run.Execute(stop.Token);
            }
        default:
            return 2;
    }
}
catch (Exception error)
{
    return ErrorReport.Print(error, run?.QueryText, stderr);
}
