using Arroyo.Connectors.Filesystem.Source;
using Arroyo.Storage;

namespace Arroyo.Engine.Tests.Connectors.Filesystem;

public sealed class FileAssignmentTests
{
    [Fact]
    public void Files_go_to_exactly_one_subtask_each_balanced_by_size()
    {
        var files = new[] { ("a", 100L), ("b", 90L), ("c", 60L), ("d", 40L), ("e", 10L), ("f", 0L) }
            .Select(f => new ObjectInfo(f.Item1, f.Item2)).ToList();
        foreach (var parallelism in new[] { 1, 2, 3, 8 })
        {
            var owned = Enumerable.Range(0, parallelism).Select(i => FileSource.OwnedFiles(files, i, parallelism)).ToList();
            Assert.Equal(files.Select(f => f.Key).Order(StringComparer.Ordinal), owned.SelectMany(o => o).Order(StringComparer.Ordinal));
            var loads = owned.Select(o => o.Sum(k => files.Single(f => f.Key == k).Size)).ToList();
            // Largest-first onto the least loaded: no subtask exceeds another by more than the largest file.
            Assert.True(loads.Max() - loads.Min() <= 100, string.Join(", ", loads));
        }
        // Two files of two subtasks: one each (by the hash of their names it would be both on one half the time).
        Assert.Equal(["a"], FileSource.OwnedFiles(files.Take(2).ToList(), 0, 2));
        Assert.Equal(["b"], FileSource.OwnedFiles(files.Take(2).ToList(), 1, 2));
    }
}
