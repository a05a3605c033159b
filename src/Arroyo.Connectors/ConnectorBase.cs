using Arroyo.Dataflow.Serialization;
using Arroyo.Connectors.Options;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Formats;

namespace Arroyo.Connectors;

/// <summary>
/// The shared part of binding: the options every table has (<c>connector</c>, <c>type</c>,
/// <c>format</c> and its options, <c>bad_data</c>, <c>event_time_field</c>,
/// <c>watermark_field</c>, <c>idle_micros</c>, lookup cache), then the connector's own options
/// through <see cref="BindOptions"/>, then the check that no option was left unread.
/// </summary>
public abstract class ConnectorBase : IConnector
{
    private static readonly string[] s_roles = ["source", "sink", "lookup"];

    public abstract string Name { get; }

    /// <inheritdoc cref="IConnector.AddJsonTypes"/>
    public virtual void AddJsonTypes(PlanJson.Builder json)
    {
    }

    public abstract ConnectorRoles Roles { get; }

    /// <summary>The format when the table names none; null for connectors without a format.</summary>
    protected virtual FormatKind? DefaultFormat => FormatKind.Json;

    public ConnectorTable Bind(TableDefinition definition)
    {
        var options = new OptionReader(definition, Name);
        options.String("connector");
        var role = ReadRole(options, definition);
        var format = FormatOptions.Read(options);
        if (format is null && DefaultFormat is { } kind) format = new FormatSettings(kind);
        var badData = FormatOptions.ReadBadData(options);
        if (format?.IsDebezium == true && definition.GeneratedColumns.Count > 0)
        {
            throw new UserException("can't use virtual fields with debezium format", definition.Span);
        }
        CheckMetadata(definition);
        var parts = BindOptions(options, definition, role, format);
        var eventTimeField = options.String("event_time_field");
        var watermarkField = options.String("watermark_field");
        var idleMicros = options.Long("idle_micros");
        options.Accept("idle_time");
        var cacheBytes = options.Long("lookup.cache.max_bytes");
        if (cacheBytes < 0) throw options.Invalid("lookup.cache.max_bytes", cacheBytes.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), "a number of bytes >= 0");
        var cacheTtl = ReadInterval(options, "lookup.cache.ttl");
        options.EnsureAllUsed();

        // event_time_field / watermark_field may name generated columns, which only the planner knows: it checks them.
        return new ConnectorTable
        {
            Name = definition.Name,
            Connector = Name,
            Role = role,
            SupportedRoles = Roles,
            Fields = parts.Fields,
            HasFixedSchema = parts.HasFixedSchema,
            Format = parts.UsesFormat ? format : null,
            BadData = badData,
            IsUpdating = role == TableRole.Source && format?.IsDebezium == true && parts.UsesFormat,
            EventTimeField = eventTimeField,
            WatermarkField = watermarkField,
            // As the reference: five minutes when not given; zero or less turns idleness off.
            IdleTime = idleMicros is null ? Arroyo.Dataflow.Specs.WatermarkSpec.DefaultIdleTimeout
                : idleMicros > 0 ? TimeSpan.FromMicroseconds(idleMicros.Value) : null,
            LookupCacheMaxBytes = cacheBytes is >= 0 ? (ulong)cacheBytes.Value : null,
            LookupCacheTtl = cacheTtl,
            IsBounded = parts.IsBounded,
            PrimaryKey = definition.PrimaryKey,
            LocalPath = parts.LocalPath,
            ShuffleBy = parts.ShuffleBy,
            MetadataColumns = definition.MetadataColumns,
            Config = parts.Config,
            Options = definition.Options,
            Description = parts.Description,
        };
    }

    /// <summary>
    /// A duration option: an SQL interval (<c>interval '5' second</c>, <c>interval '1 minute'</c>)
    /// or a duration such as <c>5s</c> or <c>10 minutes</c>.
    /// </summary>
    protected static TimeSpan? ReadInterval(OptionReader options, string name)
    {
        var text = options.String(name);
        if (text is null) return null;
        if (Arroyo.Core.Time.Durations.TryParse(WithoutIntervalSyntax(text), out var value) && value > TimeSpan.Zero) return value;
        throw options.Invalid(name, text, "a positive interval such as interval '5' second or '10s'");
    }

    // Its own method, never inlined: every table's binding calls ReadInterval, and a method that
    // mentions Regex loads the regex assembly when it is first called, option given or not.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static string WithoutIntervalSyntax(string text)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text.Trim(), @"^(?:interval\s+)?'?([^']*)'?\s*([A-Za-z]*)$",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        return match.Success ? (match.Groups[1].Value + " " + match.Groups[2].Value).Trim() : text;
    }

    /// <summary>Metadata keys this connector fills (<c>METADATA FROM 'key'</c>) and their required types.</summary>
    protected virtual IReadOnlyDictionary<string, DataType> MetadataKeys { get; } = new Dictionary<string, DataType>();

    /// <summary>Reads the connector's own options and decides its fields.</summary>
    protected abstract BoundParts BindOptions(OptionReader options, TableDefinition definition, TableRole? role, FormatSettings? format);

    /// <summary>For connectors whose tables must say <c>type = 'source'</c> or <c>'sink'</c> (the reference reads it as required).</summary>
    protected TableRole RequireSourceOrSink(TableRole? role, TableDefinition definition) =>
        role is TableRole.Source or TableRole.Sink
            ? role.Value
            : throw new UserException($"type must be one of 'source' or 'sink' (table '{definition.Name}', connector {Name})",
                definition.SpanOf("type"), hint: "add type = 'source' or type = 'sink' to the WITH clause");

    /// <summary>Rejects declared columns that differ from a connector's own schema (impulse, nexmark).</summary>
    protected static void CheckFixedSchema(TableDefinition definition, IReadOnlyList<Field> expected, string connector)
    {
        if (definition.Columns.Count == 0) return;
        var same = definition.Columns.Count == expected.Count &&
                   definition.Columns.Zip(expected).All(p =>
                       string.Equals(p.First.Name, p.Second.Name, StringComparison.OrdinalIgnoreCase) && p.First.Type == p.Second.Type);
        if (!same)
        {
            throw new UserException(
                $"invalid schema for {connector} source; omit fields to rely on inference",
                definition.Span,
                hint: $"the {connector} connector defines its own columns: " +
                      string.Join(", ", expected.Select(f => $"{f.Name} {f.Type}")));
        }
    }

    private void CheckMetadata(TableDefinition definition)
    {
        foreach (var column in definition.MetadataColumns)
        {
            if (!MetadataKeys.TryGetValue(column.Key, out var expected))
            {
                throw new UserException(
                    $"unknown metadata field '{column.Key}' for the {Name} connector." +
                    Suggestions.DidYouMean(column.Key, MetadataKeys.Keys),
                    definition.Span,
                    hint: MetadataKeys.Count == 0 ? $"the {Name} connector has no metadata fields" : "valid metadata fields: " + string.Join(", ", MetadataKeys.Keys));
            }
            if (column.Field.Type != expected)
            {
                throw new UserException(
                    $"incorrect data type for metadata field '{column.Field.Name}'; expected {expected}, but found {column.Field.Type}",
                    definition.Span);
            }
        }
    }

    private TableRole? ReadRole(OptionReader options, TableDefinition definition)
    {
        var text = options.Choice("type", s_roles);
        TableRole? role = text switch
        {
            "source" => TableRole.Source,
            "sink" => TableRole.Sink,
            "lookup" => TableRole.Lookup,
            _ => null,
        };
        if (role is { } explicitRole)
        {
            if (!Supports(explicitRole))
            {
                throw new UserException(
                    $"the {Name} connector cannot be used as a {text} (table '{definition.Name}'); it supports {DescribeRoles()}",
                    definition.SpanOf("type"));
            }
            return explicitRole;
        }
        return Roles switch
        {
            ConnectorRoles.Source => TableRole.Source,
            ConnectorRoles.Sink => TableRole.Sink,
            ConnectorRoles.Lookup => TableRole.Lookup,
            _ => definition.UsedAs is { } used && Supports(used) ? used : null,
        };
    }

    private bool Supports(TableRole role) => role switch
    {
        TableRole.Source => Roles.HasFlag(ConnectorRoles.Source),
        TableRole.Sink => Roles.HasFlag(ConnectorRoles.Sink),
        _ => Roles.HasFlag(ConnectorRoles.Lookup),
    };

    private string DescribeRoles()
    {
        var names = new List<string>();
        if (Roles.HasFlag(ConnectorRoles.Source)) names.Add("source");
        if (Roles.HasFlag(ConnectorRoles.Sink)) names.Add("sink");
        if (Roles.HasFlag(ConnectorRoles.Lookup)) names.Add("lookup");
        return string.Join(" and ", names);
    }
}

/// <summary>What a connector's own binding decides.</summary>
public sealed record BoundParts(IReadOnlyList<Field> Fields, ConnectorConfig Config, string Description)
{
    public bool IsBounded { get; init; }

    public bool HasFixedSchema { get; init; }

    /// <summary>False for connectors that ignore the format (impulse, nexmark, blackhole).</summary>
    public bool UsesFormat { get; init; } = true;

    /// <summary>See <see cref="ConnectorTable.LocalPath"/>.</summary>
    public string? LocalPath { get; init; }

    /// <summary>See <see cref="ConnectorTable.ShuffleBy"/>.</summary>
    public IReadOnlyList<string> ShuffleBy { get; init; } = [];
}
