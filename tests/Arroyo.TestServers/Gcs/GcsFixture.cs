namespace Arroyo.TestServers.Gcs;

/// <summary>
/// A loopback GCS JSON API (<see cref="GcsJsonApiServer"/>) that accepts only tokens issued by
/// a loopback Google auth server (<see cref="GoogleAuthServer"/>: metadata server and OAuth
/// token endpoint), with the bucket <see cref="Bucket"/>. Both are in-process Kestrel servers,
/// so they always run; nothing to install.
/// </summary>
public sealed class GcsFixture : IAsyncLifetime
{
    public const string Bucket = "arroyo-test";

    public GcsJsonApiServer Storage { get; private set; } = null!;

    public GoogleAuthServer Auth { get; private set; } = null!;

    /// <summary>Application default credentials that end at the metadata server (as on GCE, Cloud Run, GKE).</summary>
    public Dictionary<string, string> Environment => new()
    {
        ["STORAGE_EMULATOR_HOST"] = Storage.Url,
        ["GCE_METADATA_HOST"] = Auth.MetadataHost,
    };

    /// <summary>An explicit service-account key (GOOGLE_SERVICE_ACCOUNT_KEY) exchanged at the token endpoint.</summary>
    public Dictionary<string, string> ServiceAccountEnvironment => new()
    {
        ["STORAGE_EMULATOR_HOST"] = Storage.Url,
        ["GOOGLE_SERVICE_ACCOUNT_KEY"] = Auth.ServiceAccountKeyJson,
    };

    public async ValueTask InitializeAsync()
    {
        Auth = await GoogleAuthServer.StartAsync();
        Storage = await GcsJsonApiServer.StartAsync(Auth.IsIssued, Bucket);
    }

    public async ValueTask DisposeAsync()
    {
        if (Storage is not null) await Storage.DisposeAsync();
        if (Auth is not null) await Auth.DisposeAsync();
    }
}
