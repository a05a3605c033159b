using System.Text;
using System.Text.RegularExpressions;
using Arroyo.Core.Text;
using Arroyo.State.Checkpoints;

namespace Arroyo.Engine.Tests.Core;

public sealed class WhitespaceTests
{
    // What the planner and the query hash used before: CollapseRuns must return exactly this,
    // or the hash in every existing state dir's pipeline.json would stop matching its query.
    private static string ByRegex(string text) => Regex.Replace(text, @"\s+", " ");

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("a b")]
    [InlineData("a  b")]
    [InlineData("a\tb")]
    [InlineData("a \t\n b")]
    [InlineData(" a ")]
    [InlineData("  leading and trailing  ")]
    [InlineData("\r\n")]
    [InlineData("SELECT  bid.auction,\n       bid.price\nFROM nexmark")]
    [InlineData("a\u00a0b\u2028c\u3000 d\u0085e\u000bf\u000cg")]
    [InlineData("a\u200bb")]
    public void Collapses_every_whitespace_run_to_one_space_as_the_regex_did(string text)
    {
        Assert.Equal(ByRegex(text), Whitespace.CollapseRuns(text));
    }

    [Fact]
    public void Agrees_with_the_regex_on_every_character_and_on_random_text()
    {
        for (var c = 0; c <= char.MaxValue; c++)
        {
            var text = $"x{(char)c}{(char)c}y{(char)c}";
            Assert.Equal(ByRegex(text), Whitespace.CollapseRuns(text));
        }
        var random = new Random(15);
        char[] alphabet = ['a', 'b', ' ', '\t', '\n', '\r', '\u00a0', '\u2003', '\u0085', '\u200b', ','];
        for (var i = 0; i < 2000; i++)
        {
            var builder = new StringBuilder();
            for (var n = random.Next(0, 12); n > 0; n--) builder.Append(alphabet[random.Next(alphabet.Length)]);
            var text = builder.ToString();
            Assert.Equal(ByRegex(text), Whitespace.CollapseRuns(text));
        }
    }

    [Fact]
    public void Text_without_a_change_is_returned_as_it_is()
    {
        const string text = "SELECT a FROM t";
        Assert.Same(text, Whitespace.CollapseRuns(text));
    }

    [Fact]
    public void The_query_hash_is_what_state_dirs_were_written_with()
    {
        // SHA-256 of "SELECT a FROM t" (layout collapsed, ends trimmed), as pipeline.json holds it.
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("SELECT a FROM t"))),
            PipelineRecord.HashQuery("  SELECT\ta\n  FROM   t \n"));
    }
}
