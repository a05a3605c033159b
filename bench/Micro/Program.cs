using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Running;
using Arroyo.Bench.Micro;

// Run through bench/micro.sh, which passes the job (--job short) and an optional --filter.
var config = DefaultConfig.Instance
    .AddDiagnoser(MemoryDiagnoser.Default)
    .AddColumn(
        new PerRowColumn(PerRowColumn.Measure.Rows),
        new PerRowColumn(PerRowColumn.Measure.NanosPerRow),
        new PerRowColumn(PerRowColumn.Measure.BytesPerRow));
BenchmarkSwitcher.FromAssembly(typeof(PerRowColumn).Assembly).Run(args, config);
