using System.Text.RegularExpressions;
using Arroyo.Cli.Composition;
using Arroyo.Expressions;
using Arroyo.Planner;
using Arroyo.Udfs;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>Shared helpers: the reference's test catalog and locating ../shared.</summary>
internal static class PlannerTestSupport
{
    /// <summary>
    /// The reference planner tests pre-register a nexmark table and a few user functions
    /// (crates/arroyo-planner/src/test); here those functions, and the smoke corpus' ones, are
    /// C# UDF files under tests/Udfs, compiled as <c>arroyo run --udf</c> compiles them and added
    /// to the same registries as the built-ins.
    /// </summary>
    public static PlanOptions ReferenceTestOptions(int parallelism = 1) => new()
    {
        Connectors = BuiltIns.Connectors(),
        Parallelism = parallelism,
        Prelude = ["CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '10')"],
        Functions = WithTestUdfs(),
    };

    /// <summary>A new library of the built-ins plus every function in tests/Udfs (compiled once per process).</summary>
    public static FunctionLibrary WithTestUdfs() => s_testUdfs.Value.AddTo(FunctionLibrary.CreateBuiltins(), _ => { });

    private static readonly Lazy<CompiledUdfs> s_testUdfs = new(() =>
        UdfLoader.Load(UdfSource.FromPaths([TestUdfsDirectory()], Directory.GetCurrentDirectory()), cacheDirectory: null));

    /// <summary>tests/Udfs: the C# UDF files the tests use, as a user would write them.</summary>
    public static string TestUdfsDirectory() => FindAbove(Path.Combine("tests", "Udfs"));

    /// <summary>The directory holding <c>shared/conformance</c> (the repo's parent), or null.</summary>
    public static string? SharedConformance() => Arroyo.Tests.Shared.ConformanceCorpus.Root;

    /// <summary>bench/nexmark, found by walking up from the test binaries.</summary>
    public static string NexmarkDirectory() => FindAbove(Path.Combine("bench", "nexmark"));

    private static string FindAbove(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException(relative + " not found above " + AppContext.BaseDirectory);
    }

    public static string Collapse(string text) => Regex.Replace(text, @"\s+", " ").Trim();
}
