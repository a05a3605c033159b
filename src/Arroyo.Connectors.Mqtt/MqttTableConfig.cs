using System.Text;

namespace Arroyo.Connectors.Mqtt;

/// <summary><c>qos</c>, with the reference's names.</summary>
public enum MqttQos
{
    AtMostOnce = 0,
    AtLeastOnce = 1,
    ExactlyOnce = 2,
}

/// <summary>
/// An mqtt table's validated settings (the reference's MqttConfig and MqttTable). The password
/// and the TLS key (after <c>{{ VAR }}</c> substitution) are secrets: left out of every printed form.
/// </summary>
public sealed record MqttTableConfig : ConnectorConfig
{
    public required string Url { get; init; }

    public required string Host { get; init; }

    public required int Port { get; init; }

    /// <summary><c>mqtts://</c> or <c>ssl://</c>.</summary>
    public bool Tls { get; init; }

    public required string Topic { get; init; }

    public MqttQos Qos { get; init; } = MqttQos.AtMostOnce;

    /// <summary><c>client_prefix</c> (default <c>arroyo-mqtt</c>): client ids are <c>PREFIX_PIPELINE_NODE_SUBTASK</c>.</summary>
    public string ClientPrefix { get; init; } = "arroyo-mqtt";

    public string? Username { get; init; }

    public string? Password { get; init; }

    /// <summary><c>tls.ca</c>: a PEM file, or PEM text; without it the system's roots are trusted.</summary>
    public string? TlsCa { get; init; }

    public string? TlsCert { get; init; }

    public string? TlsKey { get; init; }

    public uint? MaxPacketSize { get; init; }

    /// <summary><c>sink.retain</c>.</summary>
    public bool Retain { get; init; }

    protected override bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Url = {Url}, Topic = {Topic}, Qos = {Qos}, ClientPrefix = {ClientPrefix}, Username = {Username}, " +
                       $"TlsCa = {TlsCa is not null}, TlsCert = {TlsCert is not null}, MaxPacketSize = {MaxPacketSize}, Retain = {Retain}");
        return true;
    }
}
