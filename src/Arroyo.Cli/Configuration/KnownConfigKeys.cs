using Arroyo.Core.Errors;

namespace Arroyo.Cli.Configuration;

/// <summary>
/// The configuration keys a run accepts: every key of the reference's configuration
/// (crates/arroyo-rpc/src/config.rs and default.toml, whose structs deny unknown fields, so the
/// reference refuses any other key), whether or not a pipeline cluster uses it, plus this
/// engine's own (<c>logging.level</c>, <c>api.enabled</c>, <c>api.readiness-checkpoint-intervals</c>,
/// <c>debug.*</c>). Keys ending in <c>.*</c> are tables of free-form entries (maps, TLS settings,
/// Kubernetes objects) whose inner names are not checked.
/// </summary>
internal static class KnownConfigKeys
{
    private static readonly string[] s_keys =
    [
        // top level
        "checkpoint-url", "default-checkpoint-interval", "controller-endpoint", "api-endpoint", "hostname",
        "config-path", "config-dir", "job-controller", "disable-telemetry",
        "run.query", "run.state-dir", "run.name", "run.udfs", "run.udf-cache-dir",
        // api
        "api.bind-address", "api.http-port", "api.run-http-port", "api.tls.*", "api.auth-mode.type", "api.auth-mode.api-key",
        "api.cors.origin-policy", "api.cors.allowed-origins", "api.cors.allow-credentials",
        "api.enabled", "api.readiness-checkpoint-intervals",
        // pipeline
        "pipeline.source-batch-size", "pipeline.source-batch-linger", "pipeline.update-aggregate-flush-interval",
        "pipeline.allowed-restarts", "pipeline.healthy-duration", "pipeline.worker-heartbeat-timeout",
        "pipeline.worker-startup-time", "pipeline.task-startup-time", "pipeline.state-initial-backoff",
        "pipeline.state-max-backoff", "pipeline.default-sink", "pipeline.store-deserialization-errors",
        "pipeline.chaining.enabled", "pipeline.compaction.enabled", "pipeline.compaction.checkpoints-to-compact",
        "pipeline.checkpoint.timeout",
        // services the pipeline cluster does not run (accepted, as the reference does)
        "controller.bind-address", "controller.rpc-port", "controller.scheduler", "controller.tls.*",
        "controller.leader-poll-interval", "controller.connect-timeout", "controller.metrics.enabled",
        "compiler.bind-address", "compiler.rpc-port", "compiler.install-clang", "compiler.install-rustc",
        "compiler.artifact-url", "compiler.build-dir", "compiler.use-local-udf-crate", "compiler.tls.*",
        "worker.bind-address", "worker.rpc-port", "worker.data-port", "worker.task-slots", "worker.id",
        "worker.machine-id", "worker.name", "worker.queue-size", "worker.tls.*", "worker.checkpoint-details-to-keep",
        "node.id", "node.bind-address", "node.rpc-port", "node.task-slots", "node.tls.*",
        "admin.bind-address", "admin.http-port", "admin.tls.*", "admin.auth-mode.type", "admin.auth-mode.api-key",
        "admin.allow-unauthenticated-metrics",
        "tls.*",
        "database.type", "database.postgres.database-name", "database.postgres.host", "database.postgres.port",
        "database.postgres.user", "database.postgres.password", "database.postgres.schema", "database.postgres.tls",
        "database.sqlite.path",
        "process-scheduler.slots-per-process", "process-scheduler.shutdown-with-controller",
        "manual-scheduler.slots-per-process",
        "kubernetes-scheduler.namespace", "kubernetes-scheduler.controller.*", "kubernetes-scheduler.resource-mode",
        "kubernetes-scheduler.worker.*",
        // logging
        "logging.format", "logging.nonblocking", "logging.buffered-lines-limit", "logging.enable-file-line",
        "logging.enable-file-name", "logging.static-fields.*", "logging.level",
        // this engine's testing switches
        "debug.source-poll-delay", "debug.tick-interval", "debug.split-single-file", "debug.stop-after-checkpoints", "debug.storage-retry-attempts", "debug.storage-retry-delay",
        "debug.fail-after-checkpoints", "debug.pre-aggregate", "debug.filtered-distinct", "debug.filtered-count",
    ];

    public static bool IsKnown(string key) =>
        s_keys.Any(k => k.EndsWith(".*", StringComparison.Ordinal)
            ? key.StartsWith(k[..^1], StringComparison.Ordinal)
            : key == k);

    /// <summary>A user error for <paramref name="key"/> (set by <paramref name="origin"/>), with the closest known key.</summary>
    public static UserException Unknown(string key, string origin) =>
        new($"unknown configuration key '{key}' (from {origin}).{Suggestions.DidYouMean(key, s_keys.Where(k => !k.EndsWith(".*", StringComparison.Ordinal)))}".TrimEnd('.'),
            hint: "the keys are those of the reference's configuration; see README.md, Configuration");
}
