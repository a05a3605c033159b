using Arroyo.Core.Types;

namespace Arroyo.Dataflow.Specs;

/// <summary>
/// The table a lookup join reads, as the layer that knows it describes it (the connector SDK
/// derives one holding its bound table). Plain data like every spec; its JSON kind is
/// registered by the deriving project.
/// </summary>
public abstract record LookupTableRef
{
    /// <summary>The table's name in the query.</summary>
    public abstract string Name { get; }

    /// <summary>One line for EXPLAIN, e.g. <c>RedisLookup</c>.</summary>
    public abstract string Describe();
}

/// <summary>
/// Joins every input row with the row a lookup table holds for its key, fetched from the
/// outside system (the reference's LookupJoin). The input is <see cref="Input"/>: the left
/// side's columns, then any computed key columns, then <c>_timestamp</c>; <see cref="KeyColumns"/>
/// index it, one per PRIMARY KEY column of the lookup table in <see cref="LookupKeyColumns"/> order.
/// <para>Output: the first <see cref="LeftFieldCount"/> input columns, every column of
/// <see cref="Lookup"/> (the lookup table's declared columns), then the input's <c>_timestamp</c>.
/// <see cref="JoinKind.Inner"/> drops rows whose key is absent (or NULL); <see cref="JoinKind.Left"/>
/// keeps them with NULL lookup columns.</para>
/// <para>Found rows are cached per key up to <see cref="CacheMaxBytes"/> (0: no cache; null: 8 MiB,
/// the reference's default) for <see cref="CacheTtl"/> (null: until evicted).</para>
/// </summary>
public sealed record LookupJoinSpec(
    JoinKind Kind,
    Schema Input,
    IReadOnlyList<int> KeyColumns,
    int LeftFieldCount,
    Schema Lookup,
    IReadOnlyList<int> LookupKeyColumns,
    LookupTableRef Table,
    Schema Output) : OperatorSpec
{
    /// <summary>The reference's cache size when <c>lookup.cache.max_bytes</c> is not set.</summary>
    public const ulong DefaultCacheMaxBytes = 8 * 1024 * 1024;

    public ulong? CacheMaxBytes { get; init; }

    public TimeSpan? CacheTtl { get; init; }

    public override Schema OutputSchema => Output;

    public override string Describe()
    {
        var keys = string.Join(" AND ", KeyColumns.Zip(LookupKeyColumns, (l, r) => $"left.{Input[l].Name} = {Table.Name}.{Lookup[r].Name}"));
        var cache = (CacheMaxBytes ?? DefaultCacheMaxBytes) == 0 ? "no cache"
            : $"cache {CacheMaxBytes ?? DefaultCacheMaxBytes} bytes" + (CacheTtl is { } ttl ? $" ttl {ttl}" : "");
        return $"lookup {Kind.ToString().ToLowerInvariant()} join {Table.Describe()} on {keys}, {cache}";
    }
}
