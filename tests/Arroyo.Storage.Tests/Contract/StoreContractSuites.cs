using Arroyo.Storage.Cloud;
using Arroyo.TestServers;
using Arroyo.TestServers.Gcs;

namespace Arroyo.Storage.Tests.Contract;

public sealed class LocalObjectStoreContractTests : ObjectStoreContractTests, IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("arroyo-local-store-").FullName;

    // Through the factory, as the engine builds it, but without retries so failures show as they are.
    protected override IObjectStore CreateStore(string scope)
        => ObjectStoreFactory.Create(StorageUrl.Parse(Path.Combine(_root, scope)), new Dictionary<string, string>(), new ObjectStoreOptions { Retry = null, PartSize = PartSize });

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

public sealed class InMemoryObjectStoreContractTests : ObjectStoreContractTests
{
    private readonly Dictionary<string, InMemoryObjectStore> _stores = [];

    protected override IObjectStore CreateStore(string scope)
    {
        lock (_stores)
        {
            if (!_stores.TryGetValue(scope, out var store))
            {
                _stores[scope] = store = new InMemoryObjectStore(scope);
            }

            return store;
        }
    }
}

/// <summary>The decorators must keep the contract too.</summary>
public sealed class DecoratedObjectStoreContractTests : ObjectStoreContractTests
{
    private readonly Dictionary<string, InMemoryObjectStore> _stores = [];

    protected override IObjectStore CreateStore(string scope)
    {
        InMemoryObjectStore inner;
        lock (_stores)
        {
            if (!_stores.TryGetValue(scope, out inner!))
            {
                _stores[scope] = inner = new InMemoryObjectStore(scope);
            }
        }

        return new RetryingObjectStore(new Testing.FaultInjectingObjectStore(inner), RetryPolicy.Default);
    }
}

/// <summary>Against a real s3rver started by <see cref="S3rverFixture"/>.</summary>
public sealed class S3ObjectStoreContractTests(S3rverFixture server) : ObjectStoreContractTests, IClassFixture<S3rverFixture>
{
    protected override bool AtomicPutIfAbsent => false;

    protected override IObjectStore CreateStore(string scope)
    {
        server.RequireRunning();
        return ObjectStoreFactory.Create(
            $"s3::{server.Endpoint}/{S3rverFixture.Bucket}/{scope}",
            server.Environment,
            new ObjectStoreOptions { Retry = null, PartSize = PartSize });
    }

    protected override void AssertNoSecrets(string text)
    {
        Assert.DoesNotContain(S3rverFixture.SecretKey, text);
        Assert.Contains(S3rverFixture.Bucket, text);
    }
}

/// <summary>Against a real azurite blob service started by <see cref="AzuriteFixture"/>.</summary>
public sealed class AzureBlobObjectStoreContractTests(AzuriteFixture server) : ObjectStoreContractTests, IClassFixture<AzuriteFixture>
{
    protected override IObjectStore CreateStore(string scope)
    {
        server.RequireRunning();
        return ObjectStoreFactory.Create(
            $"abfs://{AzuriteFixture.Container}@{AzuriteFixture.Account}.dfs.core.windows.net/{scope}",
            server.Environment,
            new ObjectStoreOptions { Retry = null, PartSize = PartSize });
    }

    protected override void AssertNoSecrets(string text)
    {
        Assert.DoesNotContain(ObjectStoreFactory.DevStoreKey, text);
        Assert.DoesNotContain("AccountKey", text);
        Assert.Contains(AzuriteFixture.Container, text);
    }
}

/// <summary>
/// Google's client against the loopback GCS JSON API, authenticated by application default
/// credentials that end at the loopback metadata server (GCE_METADATA_HOST).
/// </summary>
public sealed class GcsObjectStoreContractTests(GcsFixture server) : ObjectStoreContractTests, IClassFixture<GcsFixture>
{
    protected override IObjectStore CreateStore(string scope)
        => ObjectStoreFactory.Create($"gs://{GcsFixture.Bucket}/{scope}", server.Environment, new ObjectStoreOptions { Retry = null, PartSize = PartSize });

    protected override void AssertNoSecrets(string text)
    {
        Assert.DoesNotContain("ya29.", text);
        Assert.Contains(GcsFixture.Bucket, text);
    }
}

/// <summary>The same over an explicit service-account key, whose JWT grant goes to the loopback token endpoint.</summary>
public sealed class GcsServiceAccountObjectStoreContractTests(GcsFixture server) : ObjectStoreContractTests, IClassFixture<GcsFixture>
{
    protected override IObjectStore CreateStore(string scope)
        => ObjectStoreFactory.Create($"gs://{GcsFixture.Bucket}/{scope}", server.ServiceAccountEnvironment, new ObjectStoreOptions { Retry = null, PartSize = PartSize });

    protected override void AssertNoSecrets(string text)
    {
        Assert.DoesNotContain("PRIVATE KEY", text);
        Assert.DoesNotContain("ya29.", text);
        Assert.Contains(GcsFixture.Bucket, text);
    }
}
