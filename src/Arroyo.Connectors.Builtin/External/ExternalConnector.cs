using Arroyo.Connectors.Options;
using Arroyo.Core.Types;
using Arroyo.Formats;

namespace Arroyo.Connectors.Builtin.External;

/// <summary>
/// A connector to an outside system that is known when planning (its options are validated
/// by name) but does not run in this engine yet: creating its source or sink is a user error.
/// </summary>
public sealed class ExternalConnector : ConnectorBase
{
    private readonly string[] _required;
    private readonly string[] _optional;
    private readonly string[] _prefixes;
    private readonly Action<OptionReader, TableDefinition, TableRole?>? _validate;

    public ExternalConnector(
        string name,
        ConnectorRoles roles,
        string[] required,
        string[] optional,
        string[]? prefixes = null,
        IReadOnlyDictionary<string, DataType>? metadata = null,
        Action<OptionReader, TableDefinition, TableRole?>? validate = null,
        bool hasFormat = true)
    {
        Name = name;
        Roles = roles;
        _required = required;
        _optional = optional;
        _prefixes = prefixes ?? [];
        _validate = validate;
        MetadataKeys = metadata ?? new Dictionary<string, DataType>();
        DefaultFormat = hasFormat ? FormatKind.Json : null;
    }

    public override string Name { get; }

    public override ConnectorRoles Roles { get; }

    protected override FormatKind? DefaultFormat { get; }

    protected override IReadOnlyDictionary<string, DataType> MetadataKeys { get; }

    protected override BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format)
    {
        foreach (var name in _required) options.RequiredString(name);
        options.Accept(_optional);
        foreach (var prefix in _prefixes) options.AcceptPrefix(prefix);
        _validate?.Invoke(options, definition, role);
        var description = char.ToUpperInvariant(Name[0]) + Name[1..] +
                          (role is { } r ? r.ToString() : "");
        return new BoundParts(definition.Columns, new UninterpretedConfig(), description);
    }
}
