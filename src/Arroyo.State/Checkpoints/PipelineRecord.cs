using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Arroyo.State.Checkpoints;

/// <summary>What <c>pipeline.json</c> says about the pipeline that owns a state dir.</summary>
public sealed record PipelineRecord
{
    public int FormatVersion { get; init; } = 1;

    public string Name { get; init; } = "";

    public string Query { get; init; } = "";

    /// <summary>SHA-256 of the query with whitespace runs collapsed: layout changes do not make it another pipeline.</summary>
    public string QueryHash { get; init; } = "";

    public int Parallelism { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public static string HashQuery(string query)
    {
        var normalised = Regex.Replace(query.Trim(), @"\s+", " ");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalised)));
    }
}

/// <summary>What <c>lease.json</c> says about the process running the pipeline.</summary>
public sealed record LeaseRecord
{
    public string Owner { get; init; } = "";

    public string Host { get; init; } = "";

    public int ProcessId { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }
}
