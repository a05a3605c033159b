using System.Text;

namespace Arroyo.Connectors.RabbitMq;

/// <summary><c>source.offset</c>: where a source without restored state starts.</summary>
public enum RabbitMqStartOffset
{
    First,
    Last,
    Next,
}

/// <summary>
/// A rabbitmq table's validated settings with the reference's defaults (localhost:5552,
/// guest/guest, virtual host /). The password is left out of every printed form.
/// </summary>
public sealed record RabbitMqTableConfig(string Stream) : ConnectorConfig
{
    public string Host { get; init; } = "localhost";

    public int Port { get; init; } = 5552;

    public string Username { get; init; } = "guest";

    public string Password { get; init; } = "guest";

    public string VirtualHost { get; init; } = "/";

    public RabbitMqStartOffset StartOffset { get; init; } = RabbitMqStartOffset.Last;

    public bool LoadBalancerMode { get; init; }

    public bool TlsEnabled { get; init; }

    public bool TlsTrustCertificates { get; init; }

    public string? TlsRootCertificatesPath { get; init; }

    public string? TlsClientCertificatesPath { get; init; }

    public string? TlsClientKeysPath { get; init; }

    public string Address => $"{Host}:{Port}";

    protected override bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Stream = {Stream}, Address = {Address}, Username = {Username}, VirtualHost = {VirtualHost}, StartOffset = {StartOffset}, Tls = {TlsEnabled}");
        return true;
    }
}
