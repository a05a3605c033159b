using Arroyo.Core.Errors;

namespace Arroyo.Connectors;

/// <summary>Errors shared by the connectors, worded once.</summary>
internal static class ConnectorErrors
{
    public static UserException NotSupportedYet(string connector, string role) =>
        new($"the {connector} connector is not supported yet as a {role} by this engine (it is accepted when planning only)");
}
