using Arroyo.Cli.Composition;
using Arroyo.Connectors;
using Arroyo.Core;
using Arroyo.Core.Types;
using Arroyo.Execution;
using static Arroyo.Engine.Tests.Connectors.ConnectorTestKit;

namespace Arroyo.Engine.Tests.Connectors.Http;

/// <summary>Drives one HTTP-family source subtask directly, as the runtime would: Open, Poll, OnCheckpoint, Close.</summary>
internal sealed class SourceRun : IDisposable
{
    private readonly CollectingOutput _output = new();
    private int _taken;

    public SourceRun(string connector, IReadOnlyList<Field> columns, IStateReader? state, (string Key, string Value)[] options, int subtask = 0, int parallelism = 1)
    {
        var table = Bind("src", columns, [("connector", connector), .. options]);
        var context = Context(subtask, parallelism, state);
        Source = BuiltIns.Connectors().RuntimeOf(connector).CreateSource(new SourceSpec(table, table.SourceSchema()), context);
        Source.Open(context);
    }

    public ISource Source { get; }

    public IOutput Output => _output;

    /// <summary>Polls until <paramref name="count"/> more rows came (their first column as text), or fails after <paramref name="timeout"/>.</summary>
    public List<string> Take(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (Rows().Count < _taken + count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Rows().Count - _taken} of {count} rows");
            if (Source.Poll(_output) == SourceStatus.Idle) Thread.Sleep(5);
        }
        var rows = Rows().Skip(_taken).Take(count).ToList();
        _taken += count;
        return rows;
    }

    /// <summary>Polls for <paramref name="time"/> and returns whatever rows came beyond those taken.</summary>
    public List<string> Extra(TimeSpan time)
    {
        var until = DateTime.UtcNow + time;
        while (DateTime.UtcNow < until)
        {
            if (Source.Poll(_output) == SourceStatus.Idle) Thread.Sleep(5);
        }
        return Rows().Skip(_taken).ToList();
    }

    /// <summary>Polls until the source throws; returns what it threw and how long that took.</summary>
    public (Exception Error, TimeSpan After) Failure(TimeSpan timeout)
    {
        var started = DateTime.UtcNow;
        while (DateTime.UtcNow - started < timeout)
        {
            try
            {
                if (Source.Poll(_output) == SourceStatus.Idle) Thread.Sleep(5);
            }
            catch (Exception e)
            {
                return (e, DateTime.UtcNow - started);
            }
        }
        throw new TimeoutException($"the source did not fail within {timeout}");
    }

    public MemoryState Checkpoint()
    {
        var state = new MemoryState();
        Source.OnCheckpoint(new CheckpointBarrier(1, false), state);
        return state;
    }

    private List<string> Rows() => _output.Batches.SelectMany(b => Enumerable.Range(0, b.RowCount).Select(r => b.GetRow(r)[0]?.ToString() ?? "null")).ToList();

    public void Dispose() => Source.Close();
}
