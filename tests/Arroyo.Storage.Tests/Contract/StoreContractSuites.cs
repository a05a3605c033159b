using Arroyo.Storage.Cloud;
using Arroyo.TestServers;

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
