using Arroyo.Core.Types;

namespace Arroyo.Expressions;

/// <summary>
/// A resolved function call as plain data: the function's name and the signature binding
/// chose (argument types after implicit casts, result type). Plans hold these instead of
/// implementations, so a plan prints, serialises and compares as data; the runtime looks
/// the implementation up in its <see cref="FunctionLibrary"/> (scalar, aggregate or window
/// registry, by where the reference appears).
/// </summary>
/// <param name="Name">The registry's name for the function (aggregates: the canonical name, aliases resolved).</param>
/// <param name="Arguments">The argument types the implementation receives.</param>
/// <param name="Returns">The result type.</param>
/// <param name="IsVolatile">now(), random(), uuid(): a different value per evaluation, never folded or shared.</param>
[System.Text.Json.Serialization.JsonConverter(typeof(Serialization.FunctionRefJsonConverter))]
public sealed record FunctionRef(string Name, IReadOnlyList<DataType> Arguments, DataType Returns, bool IsVolatile = false)
{
    public bool Equals(FunctionRef? other) =>
        other is not null && Name == other.Name && Returns == other.Returns && IsVolatile == other.IsVolatile &&
        Arguments.SequenceEqual(other.Arguments);

    public override int GetHashCode() => HashCode.Combine(Name, Returns, Arguments.Count);

    /// <summary>The signature, e.g. <c>upper(TEXT) -&gt; TEXT</c>.</summary>
    public string Signature => $"{Name}({string.Join(", ", Arguments)}) -> {Returns}";

    public override string ToString() => Name;
}
