using Arroyo.Host;
using Arroyo.Web.Api;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Arroyo.Web.Health;

/// <summary>
/// Probes for container platforms: <c>/healthz</c> answers while the process serves;
/// <c>/readyz</c> only while the pipeline runs and its last checkpoint (or its start, before
/// the first) is no older than <see cref="WebSettings.ReadinessCheckpointIntervals"/>
/// checkpoint intervals — a pipeline that stopped checkpointing is not healthy however busy.
/// </summary>
internal static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder app, PipelineSlot slot, WebSettings settings, TimeProvider time)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthStatus("ok"))).WithName("healthz");
        app.MapGet("/readyz", Results<Ok<HealthStatus>, JsonHttpResult<HealthStatus>> () =>
            (slot.IsFilled ? Readiness(slot.Pipeline, settings, time) : "the pipeline is starting") is { } reason
                ? TypedResults.Json(new HealthStatus("unavailable", reason), statusCode: StatusCodes.Status503ServiceUnavailable)
                : TypedResults.Ok(new HealthStatus("ok")))
            .WithName("readyz");
    }

    /// <summary>Why the pipeline is not ready, or null when it is.</summary>
    internal static string? Readiness(RunningPipeline pipeline, WebSettings settings, TimeProvider time)
    {
        var status = pipeline.Status;
        if (status != PipelineStatus.Running) return $"the pipeline is {status.ToString().ToLowerInvariant()}";
        var since = pipeline.LastCompletedCheckpoint?.FinishedAt ?? pipeline.StartedAt;
        var limit = pipeline.CheckpointInterval * settings.ReadinessCheckpointIntervals;
        var age = time.GetUtcNow() - since;
        if (age <= limit) return null;
        return pipeline.LastCompletedCheckpoint is null
            ? $"no checkpoint completed in the {age.TotalSeconds:F0} s since the start (limit {limit.TotalSeconds:F0} s)"
            : $"the last checkpoint completed {age.TotalSeconds:F0} s ago (limit {limit.TotalSeconds:F0} s)";
    }
}
