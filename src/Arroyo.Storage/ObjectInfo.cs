namespace Arroyo.Storage;

/// <summary>One entry of <see cref="IObjectStore.ListAsync"/>: a key relative to the store's base prefix and its size in bytes.</summary>
public readonly record struct ObjectInfo(string Key, long Size);
