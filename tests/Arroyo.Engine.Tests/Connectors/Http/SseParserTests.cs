using Arroyo.Connectors.Http.Sse;

namespace Arroyo.Engine.Tests.Connectors.Http;

/// <summary>The event-stream format as the HTML standard's examples write it.</summary>
public sealed class SseParserTests
{
    private static List<SseEvent> Parse(string stream, SseParser? parser = null)
    {
        parser ??= new SseParser(null);
        var events = new List<SseEvent>();
        foreach (var line in stream.Split('\n'))
        {
            if (parser.Feed(line) is { } e) events.Add(e);
        }
        return events;
    }

    [Fact]
    public void Data_lines_join_with_newlines_and_a_blank_line_dispatches()
    {
        var events = Parse("data: YHOO\ndata: +2\ndata: 10\n\n: a comment\nevent: add\ndata:73857293\n\n");
        Assert.Equal([new SseEvent("message", "YHOO\n+2\n10", null), new SseEvent("add", "73857293", null)], events);
    }

    [Fact]
    public void The_last_event_id_lasts_across_events_and_retry_is_read()
    {
        var parser = new SseParser("7");
        var events = Parse("data: first\n\nid: 8\ndata: second\n\ndata: third\n\nretry: 2500\nid\ndata: fourth\n\n", parser);
        Assert.Equal(["7", "8", "8", ""], events.Select(e => e.LastEventId));
        Assert.Equal(TimeSpan.FromMilliseconds(2500), parser.Retry);
    }

    [Fact]
    public void Events_without_data_and_unfinished_events_are_not_dispatched()
    {
        var parser = new SseParser(null);
        Assert.Empty(Parse("event: ping\n\nid: 3\n\ndata: cut off", parser));
        Assert.Equal("3", parser.LastEventId);
        parser.Reset();
        Assert.Equal([new SseEvent("message", "whole", "3")], Parse("data: whole\n\n", parser));
    }

    [Fact]
    public void Only_one_space_after_the_colon_is_removed_and_unknown_fields_are_ignored()
    {
        Assert.Equal([new SseEvent("message", " two spaces", null)], Parse("data:  two spaces\nfoo: bar\n\n"));
        Assert.Equal([new SseEvent("message", "", null)], Parse("data\n\n"));
    }
}
