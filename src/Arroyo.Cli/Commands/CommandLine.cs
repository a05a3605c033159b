using System.Globalization;
using Arroyo.Core.Errors;

namespace Arroyo.Cli.Commands;

/// <summary>
/// Parses <c>arroyo [--config FILE] run [OPTIONS] [QUERY]</c>. Hand-written so that the help
/// text is exactly the documented one.
/// </summary>
public static class CommandLine
{
    public const string TopLevelHelp = """
        Arroyo: a distributed stream processing engine, run here as a single-process pipeline cluster

        Usage: arroyo [OPTIONS] <COMMAND>

        Commands:
          run   Run a query as a local pipeline cluster
          help  Print this message or the help of the given subcommand(s)

        Options:
          -c, --config <CONFIG>  Path to an additional config file
          -h, --help             Print help
          -V, --version          Print version
        """;

    public const string RunHelp = """
        Run a query as a local pipeline cluster

        Usage: arroyo run [OPTIONS] [QUERY]

        Arguments:
          [QUERY]  The query to run [default: -]

        Options:
          -n, --name <NAME>                Name for this pipeline
          -s, --state-dir <STATE_DIR>      Directory or URL where checkpoints and metadata
                                           will be written and restored from
          -p, --parallelism <PARALLELISM>  Number of parallel subtasks to run [default: 1]
          -f, --force                      Force the pipeline to start even if the state
                                           file does not match the query
          -h, --help                       Print help
          -c, --config <CONFIG>            Path to an additional config file
          -q, --quiet                      Do not show the live progress line on stderr
              --explain                    Print the dataflow graph and exit without running
              --udf <PATH>                 C# user-defined functions: a .cs file or a folder
                                           of them (repeatable)
        """;

    public abstract record Parsed;

    public sealed record ShowHelp(string Text) : Parsed;

    public sealed record ShowVersion : Parsed;

    public sealed record Run(RunOptions Options) : Parsed;

    public static Parsed Parse(IReadOnlyList<string> args)
    {
        string? configFile = null;
        var i = 0;
        while (i < args.Count && args[i].StartsWith('-'))
        {
            switch (args[i])
            {
                case "-h" or "--help": return new ShowHelp(TopLevelHelp);
                case "-V" or "--version": return new ShowVersion();
                case "-c" or "--config": configFile = Value(args, ref i); break;
                default:
                    if (args[i].StartsWith("--config=", StringComparison.Ordinal)) configFile = args[i]["--config=".Length..];
                    else if (args[i].StartsWith("-c", StringComparison.Ordinal)) configFile = args[i][(args[i].StartsWith("-c=", StringComparison.Ordinal) ? 3 : 2)..];
                    else throw Usage($"unexpected argument '{args[i]}'", TopLevelUsage);
                    break;
            }
            i++;
        }
        if (i >= args.Count) return new ShowHelp(TopLevelHelp);
        var command = args[i++];
        if (command == "help")
        {
            return new ShowHelp(i < args.Count && args[i] == "run" ? RunHelp : TopLevelHelp);
        }
        if (command != "run")
        {
            throw Usage($"unrecognized subcommand '{command}'" + Suggestions.DidYouMean(command, ["run"]), TopLevelUsage);
        }
        var options = new RunOptions { ConfigFile = configFile };
        string? query = null;
        var onlyPositional = false;
        for (; i < args.Count; i++)
        {
            var arg = args[i];
            if (onlyPositional || !arg.StartsWith('-') || arg == "-")
            {
                if (query is not null) throw Usage($"unexpected argument '{arg}': only one query may be given", RunUsage);
                query = arg;
                continue;
            }
            if (arg == "--")
            {
                onlyPositional = true;
                continue;
            }
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                var (name, inline) = SplitInline(arg);
                var option = Array.Find(s_runOptions, o => o.Long == name) ?? throw Usage($"unexpected argument '{arg}'" +
                    Suggestions.DidYouMean(name, s_runOptions.Select(o => o.Long)), RunUsage);
                if (option.Short == 'h') return new ShowHelp(RunHelp);
                if (option.TakesValue) options = Apply(options, option, inline ?? Value(args, ref i));
                else if (inline is not null) throw Usage($"unexpected value '{inline}' for '{name}' found; no more were expected", RunUsage);
                else options = Apply(options, option, null);
                continue;
            }
            // Short options as clap reads them: flags may be grouped (-fp 2), and a value may be
            // attached (-p2, -p=2, -sdir, -fn x).
            for (var j = 1; j < arg.Length; j++)
            {
                var option = Array.Find(s_runOptions, o => o.Short == arg[j])
                    ?? throw Usage($"unexpected argument '-{arg[j]}' found" + (j == 1 ? Suggestions.DidYouMean(arg, s_runOptions.Select(o => o.Long)) : ""), RunUsage);
                if (option.Short == 'h') return new ShowHelp(RunHelp);
                if (!option.TakesValue)
                {
                    options = Apply(options, option, null);
                    continue;
                }
                var attached = arg[(j + 1)..];
                if (attached.StartsWith('=')) attached = attached[1..];
                options = Apply(options, option, attached.Length > 0 ? attached : Value(args, ref i));
                break;
            }
        }
        return new Run(options with { Query = query ?? "-" });
    }

    /// <summary>
    /// The most subtasks per operator. Every subtask is a thread, and a checkpoint writes a
    /// state file per stateful subtask; far above this a stop (Ctrl-C, SIGTERM) takes minutes
    /// rather than seconds, and no machine has the cores to use it.
    /// </summary>
    public const int MaxParallelism = 256;

    private sealed record RunOption(char Short, string Long, bool TakesValue);

    private static readonly RunOption[] s_runOptions =
    [
        new('n', "--name", true),
        new('s', "--state-dir", true),
        new('p', "--parallelism", true),
        new('f', "--force", false),
        new('h', "--help", false),
        new('c', "--config", true),
        new('q', "--quiet", false),
        new(NoShortName, "--explain", false),
        new(NoShortName, "--udf", true),
    ];

    private const char NoShortName = '\0';

    private static RunOptions Apply(RunOptions options, RunOption option, string? value) => option.Short switch
    {
        NoShortName when option.Long == "--explain" => options with { Explain = true },
        NoShortName when option.Long == "--udf" => options with { Udfs = [.. options.Udfs, value!] },
        'n' => options with { Name = value },
        's' => options with { StateDir = value },
        'p' => options with { Parallelism = ParseParallelism(value!) },
        'f' => options with { Force = true },
        'q' => options with { Quiet = true },
        _ => options with { ConfigFile = value },
    };

    private static int ParseParallelism(string text)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parallelism) || parallelism < 1)
        {
            throw Usage($"invalid value '{text}' for '--parallelism <PARALLELISM>': expected a whole number of at least 1", RunUsage);
        }
        if (parallelism > MaxParallelism)
        {
            throw Usage($"invalid value '{text}' for '--parallelism <PARALLELISM>': at most {MaxParallelism} subtasks per operator are supported " +
                "(each runs on its own thread)", RunUsage);
        }
        return parallelism;
    }

    private const string TopLevelUsage = "Usage: arroyo [OPTIONS] <COMMAND>";
    private const string RunUsage = "Usage: arroyo run [OPTIONS] [QUERY]";

    private static (string Name, string? Inline) SplitInline(string arg)
    {
        if (!arg.StartsWith("--", StringComparison.Ordinal)) return (arg, null);
        var eq = arg.IndexOf('=');
        return eq < 0 ? (arg, null) : (arg[..eq], arg[(eq + 1)..]);
    }

    private static string Value(IReadOnlyList<string> args, ref int i)
    {
        if (i + 1 >= args.Count) throw Usage($"a value is required for '{args[i]}' but none was supplied", "For more information, try '--help'.");
        return args[++i];
    }

    private static UserException Usage(string message, string usage) =>
        new($"{message}\n\n{usage}\n\nFor more information, try '--help'.");
}
