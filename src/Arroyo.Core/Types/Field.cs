namespace Arroyo.Core.Types;

/// <summary>A named, typed column of a schema or a struct.</summary>
public sealed record Field(string Name, DataType Type, bool Nullable = true);
