namespace Arroyo.Sql.Lexing;

internal enum TokenKind
{
    EndOfInput,
    /// <summary>An unquoted word: identifier or keyword; the parser decides by position.</summary>
    Word,
    /// <summary>"quoted" or `quoted` identifier; <see cref="Token.Value"/> is the unescaped name.</summary>
    QuotedIdentifier,
    /// <summary>'string' or E'string'; <see cref="Token.Value"/> is the unescaped contents.</summary>
    String,
    Number,
    /// <summary>X'…' (or 0x…) byte string; <see cref="Token.Value"/> is the hex digits.</summary>
    HexString,
    LeftParen,
    RightParen,
    LeftBracket,
    RightBracket,
    Comma,
    Semicolon,
    Dot,
    Colon,
    DoubleColon,
    Eq,
    DoubleEq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    ShiftLeft,
    ShiftRight,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    Concat,
    Pipe,
    Ampersand,
    Hash,
    Caret,
    Tilde,
    TildeStar,
    NotTilde,
    NotTildeStar,
    /// <summary><c>~~</c>, <c>~~*</c>, <c>!~~</c>, <c>!~~*</c>: PostgreSQL's spellings of LIKE, ILIKE and their negations.</summary>
    DoubleTilde,
    DoubleTildeStar,
    NotDoubleTilde,
    NotDoubleTildeStar,
    /// <summary><c>&lt;=&gt;</c>: IS NOT DISTINCT FROM.</summary>
    Spaceship,
    Arrow,
    LongArrow,
    FatArrow,
    Question,
    /// <summary><c>@&gt;</c>: array contains.</summary>
    AtArrow,
    /// <summary><c>&lt;@</c>: array is contained by.</summary>
    ArrowAt,
    Exclamation,
}
