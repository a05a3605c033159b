using Arroyo.Core.Errors;

namespace Arroyo.Storage;

/// <summary>
/// A store operation failed. <see cref="IsTransient"/> tells <see cref="RetryingObjectStore"/>
/// whether another attempt can succeed (network errors, 5xx, throttling) or not (denied,
/// bucket missing, bad credentials). Messages name the store by its
/// <see cref="IObjectStore.Description"/> and never carry credentials.
/// </summary>
public class ObjectStoreException : ExternalException
{
    public ObjectStoreException(string message, bool isTransient, int? statusCode = null, Exception? inner = null)
        : base(message, inner)
    {
        IsTransient = isTransient;
        StatusCode = statusCode;
    }

    public bool IsTransient { get; }

    /// <summary>The HTTP status of the failed request, when there was one.</summary>
    public int? StatusCode { get; }
}

/// <summary>A required object is missing (see <see cref="ObjectStoreExtensions.GetRequiredAsync"/>). Never transient.</summary>
public sealed class ObjectNotFoundException : ObjectStoreException
{
    public ObjectNotFoundException(string storeDescription, string key)
        : base($"{storeDescription}: object '{key}' does not exist", isTransient: false, statusCode: 404)
    {
        Key = key;
    }

    public string Key { get; }
}
