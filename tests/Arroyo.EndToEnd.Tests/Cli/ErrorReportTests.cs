using Arroyo.Cli;
using Arroyo.Core.Errors;

namespace Arroyo.EndToEnd.Tests.Cli;

/// <summary>How failures reach the person at the terminal: a message and a hint, a stack trace only for bugs.</summary>
public sealed class ErrorReportTests
{
    private static (int Code, string Text) Report(Exception error)
    {
        var output = new StringWriter();
        var code = ErrorReport.Print(error, "SELECT 1", output);
        return (code, output.ToString());
    }

    [Fact]
    public void OutOfMemoryIsAClearErrorWithoutAStackTrace()
    {
        var (code, text) = Report(new AggregateException(new OutOfMemoryException()));
        Assert.Equal(1, code);
        Assert.StartsWith("error: out of memory", text, StringComparison.Ordinal);
        Assert.Contains("hint:", text, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
    }

    [Fact]
    public void UserErrorsShowTheirHint()
    {
        var (code, text) = Report(new UserException("no such table 'x'", hint: "create it first"));
        Assert.Equal(1, code);
        Assert.Equal("error: no such table 'x'\nhint: create it first", text.TrimEnd().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void BugsSayTheyAreBugsAndCarryTheTrace()
    {
        var (code, text) = Report(new InvalidOperationException("boom"));
        Assert.Equal(70, code);
        Assert.StartsWith("internal error (this is a bug in arroyo", text, StringComparison.Ordinal);
    }
}
