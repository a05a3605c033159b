using System.Globalization;
using Arroyo.Core.Errors;

namespace Arroyo.Connectors.Options;

/// <summary>
/// Reads a table's WITH options and remembers which were asked for and which were used, so
/// that after a connector has read everything it knows, <see cref="EnsureAllUsed"/> can
/// reject leftovers and list the valid names. Every getter records its name as valid even
/// when the option is absent, so the list is complete whatever the user wrote.
/// </summary>
public sealed class OptionReader
{
    private readonly TableDefinition _definition;
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly List<string> _known = [];

    public OptionReader(TableDefinition definition, string connector)
    {
        _definition = definition;
        Connector = connector;
    }

    public string Connector { get; }

    public TableDefinition Definition => _definition;

    public bool Has(string name)
    {
        Remember(name);
        return _definition.Options.ContainsKey(name);
    }

    public string? String(string name)
    {
        Remember(name);
        if (!_definition.Options.TryGetValue(name, out var value)) return null;
        _used.Add(name);
        return value;
    }

    public string RequiredString(string name) =>
        String(name) ?? throw Missing(name, $"the {Connector} connector requires the option '{name}' (table '{_definition.Name}')",
            $"add {name} = '…' to the WITH clause");

    /// <summary>
    /// The error for a required option that is absent. When an unread option looks like a
    /// misspelling of it, that is the more useful thing to say.
    /// </summary>
    public UserException Missing(string name, string message, string hint)
    {
        var typo = Unused.FirstOrDefault(k => Suggestions.Closest(k, [name]) is not null);
        return typo is null
            ? new UserException(message, _definition.Span, hint: hint)
            : new UserException(
                $"unknown option '{typo}' in WITH clause (table '{_definition.Name}', connector {Connector}). Did you mean '{name}'?",
                _definition.SpanOf(typo), hint: message);
    }

    public double? Double(string name, string expected = "float")
    {
        var text = String(name);
        if (text is null) return null;
        if (double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }
        throw Invalid(name, text, expected);
    }

    public long? Long(string name, string expected = "integer")
    {
        var text = String(name);
        if (text is null) return null;
        if (long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)) return value;
        throw Invalid(name, text, expected);
    }

    public bool? Bool(string name)
    {
        var text = String(name);
        if (text is null) return null;
        return text.Trim().ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => throw Invalid(name, text, "'true' or 'false'"),
        };
    }

    /// <summary>One of <paramref name="choices"/> (case-insensitive), returned lower-cased.</summary>
    public string? Choice(string name, IReadOnlyList<string> choices)
    {
        var text = String(name);
        if (text is null) return null;
        var lower = text.Trim().ToLowerInvariant();
        if (choices.Contains(lower)) return lower;
        throw new UserException(
            $"invalid value '{text}' for option '{name}' of table '{_definition.Name}'; expected one of {Quote(choices)}." +
            Suggestions.DidYouMean(lower, choices),
            _definition.SpanOf(name));
    }

    /// <summary>Marks <paramref name="names"/> as valid and used without interpreting them (options accepted for planning only).</summary>
    public void Accept(params string[] names)
    {
        foreach (var name in names)
        {
            Remember(name);
            if (_definition.Options.ContainsKey(name)) _used.Add(name);
        }
    }

    /// <summary>Accepts every present option whose name starts with <paramref name="prefix"/> (e.g. <c>kafka.</c> client settings).</summary>
    public void AcceptPrefix(string prefix)
    {
        Remember(prefix + "*");
        foreach (var key in _definition.Options.Keys)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal)) _used.Add(key);
        }
    }

    /// <summary>The options present but never read.</summary>
    public IEnumerable<string> Unused => _definition.Options.Keys.Where(k => !_used.Contains(k));

    /// <summary>Throws for the first option nobody read, naming the valid ones.</summary>
    public void EnsureAllUsed()
    {
        var unknown = Unused.OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (unknown.Count == 0) return;
        var first = unknown[0];
        var valid = _known.Where(k => !k.EndsWith('*')).Distinct().ToList();
        throw new UserException(
            $"unknown options provided in WITH clause: {string.Join(", ", unknown.Select(k => $"'{k}'"))} " +
            $"(table '{_definition.Name}', connector {Connector}).{Suggestions.DidYouMean(first, valid)}",
            _definition.SpanOf(first),
            hint: "valid options are " + string.Join(", ", _known.Distinct()));
    }

    public UserException Invalid(string name, string value, string expected) =>
        new($"invalid value '{value}' for option '{name}' of table '{_definition.Name}'; expected {expected}",
            _definition.SpanOf(name));

    private void Remember(string name)
    {
        if (!_known.Contains(name)) _known.Add(name);
    }

    private static string Quote(IEnumerable<string> values) => string.Join(", ", values.Select(v => $"'{v}'"));
}
