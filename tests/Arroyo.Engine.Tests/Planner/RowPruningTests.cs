using Arroyo.Cli.Composition;
using Arroyo.Connectors;
using Arroyo.Planner;

namespace Arroyo.Engine.Tests.Planner;

/// <summary>Which rows a source may skip: those every reader's first filter drops for a NULL column.</summary>
public sealed class RowPruningTests
{
    private const string Tables = """
        CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '10');
        CREATE TABLE out WITH (connector = 'blackhole');

        """;

    private static IReadOnlySet<int>? RowsOfSource(string sql)
    {
        var plan = PipelinePlanner.Plan(Tables + sql, new PlanOptions { Connectors = BuiltIns.Connectors() });
        var source = Assert.Single(plan.Graph.Nodes.Select(n => n.Operator).OfType<SourceSpec>());
        return source.Usage?.RowsWithAnyNonNull;
    }

    [Fact]
    public void BidsOnlyWhenEveryReaderFiltersOnBid()
    {
        var rows = RowsOfSource("INSERT INTO out SELECT bid.auction, bid.price FROM nexmark WHERE bid IS NOT NULL AND bid.price > 10;");
        Assert.Equal([2], rows!.Order());
    }

    [Fact]
    public void TheUnionOverReaders()
    {
        var rows = RowsOfSource("""
            INSERT INTO out SELECT bid.auction AS a FROM nexmark WHERE bid IS NOT NULL;
            INSERT INTO out SELECT auction.id AS a FROM nexmark WHERE auction IS NOT NULL;
            """);
        Assert.Equal([1, 2], rows!.Order());
    }

    [Fact]
    public void EveryRowWhenOneReaderDoesNotFilter()
    {
        Assert.Null(RowsOfSource("""
            INSERT INTO out SELECT bid.auction AS a FROM nexmark WHERE bid IS NOT NULL;
            INSERT INTO out SELECT auction.id AS a FROM nexmark WHERE auction.id > 3 OR bid IS NOT NULL;
            """));
    }

    [Fact]
    public void EveryRowWhenTheFilterIsNotANullTestOnAColumn()
    {
        Assert.Null(RowsOfSource("INSERT INTO out SELECT bid.auction FROM nexmark WHERE bid.auction IS NOT NULL;"));
        Assert.Null(RowsOfSource("INSERT INTO out SELECT bid.auction FROM nexmark WHERE bid IS NOT NULL OR auction IS NOT NULL;"));
    }
}
