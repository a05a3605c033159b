namespace Arroyo.Storage;

public static class ObjectStoreExtensions
{
    /// <summary>Like <see cref="IObjectStore.GetAsync"/> but a missing object is an <see cref="ObjectNotFoundException"/>.</summary>
    public static async Task<byte[]> GetRequiredAsync(this IObjectStore store, string key, CancellationToken cancellationToken = default)
        => await store.GetAsync(key, cancellationToken).ConfigureAwait(false)
           ?? throw new ObjectNotFoundException(store.Description, key);
}
