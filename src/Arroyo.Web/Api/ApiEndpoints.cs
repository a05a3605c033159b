using Arroyo.Host;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Arroyo.Web.Api;

/// <summary>
/// The REST API under <c>/api/v1</c>, shaped as the reference's for the one pipeline this
/// process runs: its pipeline, its one job, the job's checkpoints, errors and operator metrics,
/// and <c>PATCH</c> with <c>{"stop": "checkpoint"}</c> to stop it after a final checkpoint.
/// </summary>
internal static class ApiEndpoints
{
    public static void Map(IEndpointRouteBuilder app, PipelineSlot slot)
    {
        var api = app.MapGroup("/api/v1");
        api.MapGet("/ping", () => TypedResults.Ok(new HealthStatus("ok"))).WithName("ping");

        api.MapGet("/pipelines", () => TypedResults.Ok(new Collection<Pipeline>([ApiViews.Pipeline(slot.Pipeline)])))
            .WithName("get_pipelines").WithSummary("The pipeline this process runs (a list of one)");

        var one = api.MapGroup("/pipelines/{id}").AddEndpointFilter(async (context, next) =>
            context.HttpContext.Request.RouteValues["id"] as string == slot.Pipeline.Id
                ? await next(context)
                : TypedResults.NotFound(new ApiError($"no pipeline '{context.HttpContext.Request.RouteValues["id"]}': this process runs '{slot.Pipeline.Id}'")));

        one.MapGet("", () => TypedResults.Ok(ApiViews.Pipeline(slot.Pipeline)))
            .WithName("get_pipeline").WithSummary("The pipeline: query, state, parallelism, start time and dataflow graph");

        one.MapPatch("", Results<Ok<Pipeline>, BadRequest<ApiError>> (string id, PipelinePatch patch) =>
        {
            switch (patch.Stop)
            {
                case null or "none":
                    break;
                case "checkpoint" or "graceful":
                    slot.Pipeline.RequestStop();
                    break;
                default:
                    return TypedResults.BadRequest(new ApiError(
                        $"stop '{patch.Stop}' is not supported: a pipeline cluster stops with 'checkpoint' (a final checkpoint, then exit, as Ctrl-C)"));
            }
            return TypedResults.Ok(ApiViews.Pipeline(slot.Pipeline));
        }).WithName("patch_pipeline").WithSummary("Stop the pipeline: {\"stop\": \"checkpoint\"} takes a final checkpoint, then the process exits 0");

        one.MapGet("/jobs", () => TypedResults.Ok(new Collection<Job>([ApiViews.Job(slot.Pipeline)])))
            .WithName("get_pipeline_jobs").WithSummary("The pipeline's job (one per run)");

        var job = one.MapGroup("/jobs/{job_id}").AddEndpointFilter(async (context, next) =>
            context.HttpContext.Request.RouteValues["job_id"] as string == ApiViews.JobId(slot.Pipeline)
                ? await next(context)
                : TypedResults.NotFound(new ApiError($"no job '{context.HttpContext.Request.RouteValues["job_id"]}': this run is '{ApiViews.JobId(slot.Pipeline)}'")));

        job.MapGet("/errors", () => TypedResults.Ok(new Collection<JobLogMessage>(
                slot.Pipeline.Log.Entries.Reverse().Select(ApiViews.LogMessage).ToList())))
            .WithName("get_job_errors").WithSummary("Recent warnings and errors, newest first");

        job.MapGet("/checkpoints", () => TypedResults.Ok(new Collection<Checkpoint>(
                slot.Pipeline.Checkpoints.Select(c => ApiViews.Checkpoint(slot.Pipeline, c)).ToList())))
            .WithName("get_job_checkpoints").WithSummary("This run's checkpoints, oldest first");

        job.MapGet("/checkpoints/{epoch}/operator_checkpoint_groups", Results<Ok<Collection<OperatorCheckpointGroup>>, NotFound<ApiError>> (long epoch) =>
            slot.Pipeline.Checkpoints.LastOrDefault(c => c.Epoch == epoch) is { } checkpoint
                ? TypedResults.Ok(new Collection<OperatorCheckpointGroup>(ApiViews.CheckpointGroups(slot.Pipeline, checkpoint)))
                : TypedResults.NotFound(new ApiError($"no checkpoint {epoch} in this run")))
            .WithName("get_checkpoint_details").WithSummary("Bytes of state per operator and subtask in one checkpoint");

        job.MapGet("/operator_metric_groups", () => TypedResults.Ok(new Collection<OperatorMetricGroup>(ApiViews.MetricGroups(slot.Pipeline))))
            .WithName("get_operator_metric_groups").WithSummary("Per operator and subtask, a series per metric over the last minutes (one point a second)");

        job.MapGet("/operator_metrics", () => TypedResults.Ok(new Collection<OperatorMetricsNow>(ApiViews.MetricsNow(slot.Pipeline))))
            .WithName("get_operator_metrics").WithSummary("Per operator and subtask now: totals, rates, backpressure, watermark and its lag, state size");
    }
}
