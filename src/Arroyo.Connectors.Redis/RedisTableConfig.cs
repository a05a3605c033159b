using System.Text;

namespace Arroyo.Connectors.Redis;

/// <summary><c>target</c>: which Redis data type a sink writes.</summary>
public enum RedisTarget
{
    /// <summary>SET key value (with EX when <c>target.ttl_secs</c> is set).</summary>
    String,

    /// <summary>RPUSH (append) or LPUSH (prepend), trimmed to <c>target.max_length</c>.</summary>
    List,

    /// <summary>HSET key field value.</summary>
    Hash,
}

/// <summary>
/// A redis table's validated settings. A sink has a <see cref="Target"/>; a lookup table has
/// none. <see cref="Password"/> (after <c>{{ VAR }}</c> substitution) is a secret: left out of
/// every printed form.
/// </summary>
public sealed record RedisTableConfig : ConnectorConfig
{
    /// <summary><c>address</c>, or each of <c>cluster.addresses</c>: <c>redis://host:port</c> (or <c>rediss://</c> for TLS).</summary>
    public required IReadOnlyList<string> Addresses { get; init; }

    public bool Cluster { get; init; }

    public string? Username { get; init; }

    public string? Password { get; init; }

    public RedisTarget? Target { get; init; }

    /// <summary><c>target.key_prefix</c>: every key starts with it.</summary>
    public string KeyPrefix { get; init; } = "";

    /// <summary><c>target.key_column</c>: its value is appended to the prefix.</summary>
    public string? KeyColumn { get; init; }

    /// <summary><c>target.field_column</c> (hash): the hash field of each row.</summary>
    public string? FieldColumn { get; init; }

    /// <summary><c>target.ttl_secs</c> (string): keys expire after this many seconds.</summary>
    public long? TtlSeconds { get; init; }

    /// <summary><c>target.max_length</c> (list): the list is trimmed to this many values after each write.</summary>
    public long? MaxLength { get; init; }

    /// <summary><c>target.operation</c> (list): false = append (RPUSH), true = prepend (LPUSH).</summary>
    public bool Prepend { get; init; }

    protected override bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Addresses = [{string.Join(", ", Addresses)}], Cluster = {Cluster}, Username = {Username}, Target = {Target}, " +
                       $"KeyPrefix = {KeyPrefix}, KeyColumn = {KeyColumn}, FieldColumn = {FieldColumn}, TtlSeconds = {TtlSeconds}, " +
                       $"MaxLength = {MaxLength}, Prepend = {Prepend}");
        return true;
    }
}
