using Arroyo.Connectors.Messages;
using Amazon;
using Amazon.Kinesis;
using Amazon.Kinesis.Model;
using Amazon.Runtime;
using Arroyo.Core.Errors;

namespace Arroyo.Connectors.Kinesis;

/// <summary>
/// Builds the Kinesis client of a subtask from the AWS environment, as the reference's
/// aws_config does: region from <c>aws_region</c> or AWS_REGION / AWS_DEFAULT_REGION,
/// credentials from the SDK's default chain, and an endpoint override from
/// AWS_ENDPOINT_URL_KINESIS or AWS_ENDPOINT_URL (local Kinesis-compatible servers).
/// The SDK's own retries are kept short: callers retry with their own backoff and report.
/// </summary>
internal static class KinesisClients
{
    public static AmazonKinesisClient Create(KinesisTableConfig config, string table)
    {
        var endpoint = Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL_KINESIS") ?? Environment.GetEnvironmentVariable("AWS_ENDPOINT_URL");
        var region = config.Region ?? Environment.GetEnvironmentVariable("AWS_REGION") ?? Environment.GetEnvironmentVariable("AWS_DEFAULT_REGION");
        if (region is null && endpoint is null)
        {
            throw new UserException($"no AWS region for the kinesis table '{table}': set aws_region in its WITH clause or AWS_REGION in the environment");
        }
        var settings = new AmazonKinesisConfig
        {
            MaxErrorRetry = 1,
            Timeout = TimeSpan.FromSeconds(10),
        };
        if (endpoint is not null)
        {
            settings.ServiceURL = endpoint;
            settings.AuthenticationRegion = region ?? "us-east-1";
        }
        else
        {
            settings.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        try
        {
            return new AmazonKinesisClient(settings);
        }
        catch (AmazonClientException e)
        {
            throw new ExternalException($"cannot create the Kinesis client for table '{table}': {e.Message}");
        }
    }

    /// <summary>Where requests go, for error messages.</summary>
    public static string Describe(AmazonKinesisClient client) =>
        client.Config.ServiceURL ?? $"Kinesis in {client.Config.RegionEndpoint?.SystemName}";

    /// <summary>Failures no retry can fix: a missing stream, refused or missing credentials.</summary>
    public static bool IsPermanent(Exception e) => e switch
    {
        ResourceNotFoundException => true,
        AmazonServiceException { StatusCode: System.Net.HttpStatusCode.Forbidden or System.Net.HttpStatusCode.Unauthorized } => true,
        AmazonServiceException s when s.ErrorCode is "UnrecognizedClientException" or "InvalidSignatureException" or "AccessDeniedException" or "IncompleteSignatureException" => true,
        AmazonClientException c when c.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase) => true,
        _ => false,
    };
}
