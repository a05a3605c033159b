using System.Text.RegularExpressions;
using Arroyo.Cli.Composition;
using Arroyo.Core.Types;
using Arroyo.Expressions;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>Shared helpers: the reference's test catalog and locating ../shared.</summary>
internal static class PlannerTestSupport
{
    /// <summary>
    /// The reference planner tests pre-register a nexmark table and a few user functions
    /// (crates/arroyo-planner/src/test): these are their signatures, planning only
    /// (added to the same registries as the built-ins).
    /// </summary>
    public static PlanOptions ReferenceTestOptions(int parallelism = 1) => new()
    {
        Connectors = BuiltIns.Connectors(),
        Parallelism = parallelism,
        Prelude = ["CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '10')"],
        Functions = FunctionLibrary.CreateBuiltins()
            .AddScalar("get_city", [DataType.Utf8], DataType.Utf8)
            .AddScalar("parse_log", [DataType.Utf8], DataType.Utf8)
            .AddScalar("parse_prom", [DataType.Utf8], DataType.Utf8)
            .AddScalar("cbor_to_json", [DataType.Binary], DataType.Utf8)
            .AddAggregate("irate", [DataType.Float32], DataType.Float32)
            // The smoke corpus' UDFs (README of arroyo-smoke), signatures only.
            .AddScalar("double_negative", [DataType.UInt64], DataType.Int64)
            .AddScalar("async_double_negative", [DataType.UInt64], DataType.Int64)
            .AddAggregate("my_median", [DataType.UInt64], DataType.Float64)
            .AddAggregate("none_udf", [DataType.UInt64], DataType.Float64)
            .AddAggregate("max_product", [DataType.UInt64, DataType.UInt64], DataType.UInt64),
    };

    /// <summary>The directory holding <c>shared/conformance</c> (the repo's parent), or null.</summary>
    public static string? SharedConformance() => Arroyo.Tests.Shared.ConformanceCorpus.Root;

    /// <summary>bench/nexmark, found by walking up from the test binaries.</summary>
    public static string NexmarkDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "bench", "nexmark");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("bench/nexmark not found above " + AppContext.BaseDirectory);
    }

    public static string Collapse(string text) => Regex.Replace(text, @"\s+", " ").Trim();
}
