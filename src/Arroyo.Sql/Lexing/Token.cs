using Arroyo.Core.Errors;

namespace Arroyo.Sql.Lexing;

/// <summary>
/// One lexical token. <see cref="Value"/> is the source text for words, numbers and operators,
/// and the unescaped contents for strings and quoted identifiers.
/// </summary>
internal readonly record struct Token(TokenKind Kind, string Value, SourceSpan Span)
{
    /// <summary>True when this is the unquoted word <paramref name="keyword"/> (given in lower case).</summary>
    public bool IsWord(string keyword) =>
        Kind == TokenKind.Word && Value.Equals(keyword, StringComparison.OrdinalIgnoreCase);

    /// <summary>How the token is shown in "expected X but found Y" messages.</summary>
    public string Describe() => Kind switch
    {
        TokenKind.EndOfInput => "end of input",
        TokenKind.String => $"string '{Shorten(Value)}'",
        TokenKind.QuotedIdentifier => $"\"{Value}\"",
        _ => $"'{Value}'",
    };

    // Long literals (JSON documents in WITH options) would swamp the message.
    private static string Shorten(string text) => text.Length <= 30 ? text : text[..27] + "...";
}
