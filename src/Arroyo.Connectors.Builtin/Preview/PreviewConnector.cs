using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Formats;

namespace Arroyo.Connectors.Builtin.Preview;

/// <summary>
/// The reference's <c>preview</c> sink exists for its web console, which creates it for a
/// query's preview; SQL cannot. Known by name so that a table naming it gets the reference's
/// reason rather than "unknown connector".
/// </summary>
public sealed class PreviewConnector : ConnectorBase
{
    public override string Name => "preview";

    public override ConnectorRoles Roles => ConnectorRoles.Sink;

    protected override FormatKind? DefaultFormat => null;

    protected override IReadOnlyDictionary<string, DataType> MetadataKeys { get; } = new Dictionary<string, DataType>();

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format) =>
        throw new UserException("Preview connector cannot be created in SQL", definition.Span,
            hint: "a SELECT without INSERT prints its rows on stdout");
}
