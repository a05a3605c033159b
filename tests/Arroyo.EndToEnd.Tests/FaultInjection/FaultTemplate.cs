namespace Arroyo.EndToEnd.Tests.FaultInjection;

/// <summary>
/// One interrupted run of <see cref="FaultPipeline"/>, kept as a template: each test puts the
/// state dir and the sinks' outputs back as that run left them, damages something, and
/// restarts. (The sink paths are in the query, so the copies live at the same paths; the
/// tests of a class run one at a time.)
/// </summary>
public sealed class FaultTemplate : IDisposable
{
    private readonly Dictionary<string, byte[]> _outputs;

    public FaultTemplate()
    {
        Pipeline = new FaultPipeline();
        Pipeline.RunInterrupted();
        Faults.CopyDirectory(Pipeline.StateDir, TemplateDir);
        _outputs = Pipeline.SnapshotOutputs();
        Newest = Pipeline.NewestEpoch;
        Previous = Pipeline.Epochs[^2];
    }

    internal FaultPipeline Pipeline { get; }

    /// <summary>The newest complete checkpoint of the first run, and the one before it.</summary>
    public long Newest { get; }

    public long Previous { get; }

    private string TemplateDir => Pipeline.Dir.File("template-state");

    /// <summary>Every file of the template state dir by its key.</summary>
    internal Dictionary<string, byte[]> Files() =>
        Directory.GetFiles(TemplateDir, "*", SearchOption.AllDirectories).ToDictionary(
            f => Path.GetRelativePath(TemplateDir, f).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllBytes, StringComparer.Ordinal);

    /// <summary>The state dir and outputs as the first run left them.</summary>
    internal FaultPipeline Reset()
    {
        Faults.CopyDirectory(TemplateDir, Pipeline.StateDir);
        foreach (var (name, bytes) in _outputs) File.WriteAllBytes(Pipeline.Dir.File(name), bytes);
        return Pipeline;
    }

    public void Dispose() => Pipeline.Dispose();
}
