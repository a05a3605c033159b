using Azure.Core;
using Azure.Identity;

namespace Arroyo.Storage.Cloud.Azure;

/// <summary>
/// The Entra ID token credential for Azure stores without an account key or SAS:
/// <see cref="DefaultAzureCredential"/>, the chain Azure's own tools use. It tries, in order,
/// a service principal from the environment (AZURE_TENANT_ID, AZURE_CLIENT_ID and
/// AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH), workload identity (AKS:
/// AZURE_FEDERATED_TOKEN_FILE), managed identity (App Service and Container Apps through
/// IDENTITY_ENDPOINT/IDENTITY_HEADER, VMs and AKS through the instance metadata service), then
/// the Azure CLI, Azure PowerShell and Azure Developer CLI logins.
/// </summary>
internal static class AzureCredentials
{
    /// <summary>One line for "no credential found" errors: what the chain looked at.</summary>
    public const string Tried =
        "tried DefaultAzureCredential: environment service principal (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET), " +
        "workload identity (AZURE_FEDERATED_TOKEN_FILE), managed identity (IDENTITY_ENDPOINT or the instance metadata service), " +
        "Azure CLI, Azure PowerShell and azd logins";

    /// <remarks>
    /// The chain reads the process environment itself; the factory's variables can only name
    /// the tenant and the client id of a user-assigned identity.
    /// </remarks>
    public static TokenCredential Default(ObjectStoreFactory.Env env)
    {
        var options = new DefaultAzureCredentialOptions();
        if (env["AZURE_TENANT_ID"] is { } tenant)
        {
            options.TenantId = tenant;
        }

        if (env["AZURE_CLIENT_ID"] is { } clientId)
        {
            options.ManagedIdentityClientId = clientId;
            options.WorkloadIdentityClientId = clientId;
        }

        return new DefaultAzureCredential(options);
    }
}
