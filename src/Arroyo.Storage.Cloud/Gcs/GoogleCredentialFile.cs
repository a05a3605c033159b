using System.Text.Json;
using Arroyo.Core.Errors;

namespace Arroyo.Storage.Cloud.Gcs;

/// <summary>
/// The JSON credential files Google tools write: a service-account key
/// (<c>"type": "service_account"</c>) or gcloud's application-default user credentials
/// (<c>"type": "authorized_user"</c>). Never printed: <see cref="ToString"/> names only the
/// identity.
/// </summary>
public sealed record GoogleCredentialFile
{
    public const string DefaultTokenUri = "https://oauth2.googleapis.com/token";

    public required string Type { get; init; }

    public string? ClientEmail { get; init; }

    public string? PrivateKey { get; init; }

    public string? PrivateKeyId { get; init; }

    public string? ClientId { get; init; }

    public string? ClientSecret { get; init; }

    public string? RefreshToken { get; init; }

    public string TokenUri { get; init; } = DefaultTokenUri;

    /// <param name="source">Where the JSON came from ("GOOGLE_SERVICE_ACCOUNT_KEY", a path) for error messages.</param>
    public static GoogleCredentialFile Parse(string json, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            string? Get(string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var file = new GoogleCredentialFile
            {
                Type = Get("type") ?? "",
                ClientEmail = Get("client_email"),
                PrivateKey = Get("private_key"),
                PrivateKeyId = Get("private_key_id"),
                ClientId = Get("client_id"),
                ClientSecret = Get("client_secret"),
                RefreshToken = Get("refresh_token"),
                TokenUri = Get("token_uri") ?? DefaultTokenUri,
            };
            var complete = file.Type switch
            {
                "service_account" => file.ClientEmail is not null && file.PrivateKey is not null,
                "authorized_user" => file.ClientId is not null && file.ClientSecret is not null && file.RefreshToken is not null,
                _ => throw new UserException($"Google credentials from {source} have type '{file.Type}'; expected 'service_account' or 'authorized_user'"),
            };
            if (!complete)
            {
                throw new UserException($"Google credentials from {source} ({file.Type}) lack required fields");
            }

            return file;
        }
        catch (JsonException)
        {
            // The JSON parser's message can quote the input, which holds a private key.
            throw new UserException($"Google credentials from {source} are not valid JSON");
        }
    }

    public override string ToString() => $"{Type} {ClientEmail ?? ClientId}";
}
