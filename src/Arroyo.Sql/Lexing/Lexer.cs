using System.Text;

namespace Arroyo.Sql.Lexing;

/// <summary>
/// Splits SQL text into tokens, dropping whitespace and comments (<c>--</c> to end of line and
/// nestable <c>/* */</c>). Keywords are not recognised here: every unquoted word is a
/// <see cref="TokenKind.Word"/>, because whether a word is a keyword depends on where it appears.
/// </summary>
internal sealed class Lexer
{
    private readonly SourceText _source;
    private readonly string _text;
    private readonly List<Token> _tokens = [];
    private int _pos;

    private Lexer(SourceText source)
    {
        _source = source;
        _text = source.Text;
    }

    /// <summary>All tokens, ending with exactly one <see cref="TokenKind.EndOfInput"/>.</summary>
    public static List<Token> Tokenize(SourceText source)
    {
        var lexer = new Lexer(source);
        lexer.Run();
        return lexer._tokens;
    }

    public static List<Token> Tokenize(string text) => Tokenize(new SourceText(text));

    private void Run()
    {
        while (true)
        {
            SkipTrivia();
            if (_pos >= _text.Length)
            {
                // End of input sits right after the last token, not after trailing blank lines
                // and comments, so "expected … but found end of input" points at a visible line.
                var end = _tokens.Count > 0 ? _tokens[^1].Span.End : 0;
                _tokens.Add(new Token(TokenKind.EndOfInput, "", _source.Span(end, end)));
                return;
            }
            _tokens.Add(Next());
        }
    }

    private char Peek(int ahead = 0) => _pos + ahead < _text.Length ? _text[_pos + ahead] : '\0';

    private void SkipTrivia()
    {
        while (_pos < _text.Length)
        {
            var c = _text[_pos];
            if (char.IsWhiteSpace(c))
            {
                _pos++;
            }
            else if (c == '-' && Peek(1) == '-')
            {
                while (_pos < _text.Length && _text[_pos] != '\n') _pos++;
            }
            else if (c == '/' && Peek(1) == '*')
            {
                SkipBlockComment();
            }
            else
            {
                return;
            }
        }
    }

    private void SkipBlockComment()
    {
        var start = _pos;
        var depth = 0;
        while (_pos < _text.Length)
        {
            if (_text[_pos] == '/' && Peek(1) == '*')
            {
                depth++;
                _pos += 2;
            }
            else if (_text[_pos] == '*' && Peek(1) == '/')
            {
                depth--;
                _pos += 2;
                if (depth == 0) return;
            }
            else
            {
                _pos++;
            }
        }
        throw new SqlParseException("unterminated /* comment", _source.Span(start, start + 2));
    }

    private Token Next()
    {
        var start = _pos;
        var c = _text[_pos];

        if ((c == 'E' || c == 'e') && Peek(1) == '\'')
        {
            _pos++;
            return ReadString(start, escapes: true);
        }
        if (c == '$' && Peek(1) == '$') return ReadDollarQuoted(start);
        if ((c == 'X' || c == 'x') && Peek(1) == '\'') return ReadHexString(start);
        if ((c == 'N' || c == 'n') && Peek(1) == '\'')
        {
            // N'…': a national character string, for DataFusion just a string.
            _pos++;
            return ReadString(start, escapes: false);
        }
        if (IsWordStart(c)) return ReadWord(start);
        if (char.IsAsciiDigit(c) || (c == '.' && char.IsAsciiDigit(Peek(1)))) return ReadNumber(start);

        switch (c)
        {
            case '\'':
                return ReadString(start, escapes: false);
            case '"':
            case '`':
                return ReadQuotedIdentifier(start, c);
        }

        var (kind, length) = ReadOperator(c);
        if (length == 0)
        {
            throw new SqlParseException($"unexpected character '{c}'", _source.Span(start, start + 1));
        }
        _pos += length;
        return Make(kind, start);
    }

    // $$…$$: a string taken verbatim, no escapes (PostgreSQL's dollar quoting), so a function
    // body in another language can hold quotes and backslashes as written.
    private Token ReadDollarQuoted(int start)
    {
        var close = _text.IndexOf("$$", start + 2, StringComparison.Ordinal);
        if (close < 0) throw new SqlParseException("unterminated $$ string (missing closing $$)", _source.Span(start, start + 2));
        _pos = close + 2;
        return new Token(TokenKind.String, _text[(start + 2)..close], _source.Span(start, _pos));
    }

    private (TokenKind Kind, int Length) ReadOperator(char c)
    {
        var next = Peek(1);
        return c switch
        {
            '(' => (TokenKind.LeftParen, 1),
            ')' => (TokenKind.RightParen, 1),
            '[' => (TokenKind.LeftBracket, 1),
            ']' => (TokenKind.RightBracket, 1),
            ',' => (TokenKind.Comma, 1),
            ';' => (TokenKind.Semicolon, 1),
            '.' => (TokenKind.Dot, 1),
            ':' => next == ':' ? (TokenKind.DoubleColon, 2) : (TokenKind.Colon, 1),
            '=' => next switch
            {
                '=' => (TokenKind.DoubleEq, 2),
                '>' => (TokenKind.FatArrow, 2),
                _ => (TokenKind.Eq, 1),
            },
            '<' => next switch
            {
                '=' => Peek(2) == '>' ? (TokenKind.Spaceship, 3) : (TokenKind.LtEq, 2),
                '@' => (TokenKind.ArrowAt, 2),
                '>' => (TokenKind.NotEq, 2),
                '<' => (TokenKind.ShiftLeft, 2),
                _ => (TokenKind.Lt, 1),
            },
            '>' => next switch
            {
                '=' => (TokenKind.GtEq, 2),
                '>' => (TokenKind.ShiftRight, 2),
                _ => (TokenKind.Gt, 1),
            },
            '!' => next switch
            {
                '=' => (TokenKind.NotEq, 2),
                '~' => (Peek(2), Peek(3)) switch
                {
                    ('~', '*') => (TokenKind.NotDoubleTildeStar, 4),
                    ('~', _) => (TokenKind.NotDoubleTilde, 3),
                    ('*', _) => (TokenKind.NotTildeStar, 3),
                    _ => (TokenKind.NotTilde, 2),
                },
                _ => (TokenKind.Exclamation, 1),
            },
            '-' => next == '>' ? (Peek(2) == '>' ? (TokenKind.LongArrow, 3) : (TokenKind.Arrow, 2)) : (TokenKind.Minus, 1),
            '|' => next == '|' ? (TokenKind.Concat, 2) : (TokenKind.Pipe, 1),
            '~' => next switch
            {
                '*' => (TokenKind.TildeStar, 2),
                '~' => Peek(2) == '*' ? (TokenKind.DoubleTildeStar, 3) : (TokenKind.DoubleTilde, 2),
                _ => (TokenKind.Tilde, 1),
            },
            '+' => (TokenKind.Plus, 1),
            '*' => (TokenKind.Star, 1),
            '/' => (TokenKind.Slash, 1),
            '%' => (TokenKind.Percent, 1),
            '&' => (TokenKind.Ampersand, 1),
            '#' => (TokenKind.Hash, 1),
            '^' => (TokenKind.Caret, 1),
            '?' => (TokenKind.Question, 1),
            '@' when next == '>' => (TokenKind.AtArrow, 2),
            _ => (TokenKind.EndOfInput, 0),
        };
    }

    // X'0A1b': a byte string written in hexadecimal; the token keeps the digits, the parser decodes them.
    private Token ReadHexString(int start)
    {
        _pos++; // X
        var quoted = ReadString(_pos, escapes: false);
        foreach (var digit in quoted.Value)
        {
            if (!char.IsAsciiHexDigit(digit))
            {
                throw new SqlParseException(
                    $"invalid hexadecimal byte string X'{quoted.Value}': '{digit}' is not a hex digit", _source.Span(start, _pos));
            }
        }
        return new Token(TokenKind.HexString, quoted.Value, _source.Span(start, _pos));
    }

    private static bool IsWordStart(char c) => char.IsLetter(c) || c == '_';

    private static bool IsWordPart(char c) => char.IsLetterOrDigit(c) || c == '_' || c == '$';

    private Token ReadWord(int start)
    {
        while (_pos < _text.Length && IsWordPart(_text[_pos])) _pos++;
        return Make(TokenKind.Word, start);
    }

    private Token ReadNumber(int start)
    {
        if (_text[start] == '0' && Peek(1) == 'x') return ReadHexNumber(start);
        while (char.IsAsciiDigit(Peek())) _pos++;
        if (Peek() == '.' && Peek(1) != '.')
        {
            _pos++;
            while (char.IsAsciiDigit(Peek())) _pos++;
        }
        if ((Peek() == 'e' || Peek() == 'E')
            && (char.IsAsciiDigit(Peek(1)) || ((Peek(1) == '+' || Peek(1) == '-') && char.IsAsciiDigit(Peek(2)))))
        {
            _pos += 2;
            while (char.IsAsciiDigit(Peek())) _pos++;
        }
        if (IsWordStart(Peek()))
        {
            // "10abc" is almost always a typo; PostgreSQL rejects it too.
            while (_pos < _text.Length && IsWordPart(_text[_pos])) _pos++;
            throw new SqlParseException(
                $"invalid number '{_text[start.._pos]}'", _source.Span(start, _pos));
        }
        return Make(TokenKind.Number, start);
    }

    // 0x0A1b: the reference's tokenizer reads it as the byte string X'0A1b' (a binary value, not
    // an integer: DataFusion 48 decodes it like X'…'). Only a lower-case x, as there; "0X1F" is
    // refused below rather than read as 0 with the alias X1F, which is what the reference does.
    private Token ReadHexNumber(int start)
    {
        _pos += 2;
        while (char.IsAsciiHexDigit(Peek())) _pos++;
        if (IsWordPart(Peek()))
        {
            while (_pos < _text.Length && IsWordPart(_text[_pos])) _pos++;
            throw new SqlParseException(
                $"invalid hexadecimal byte string '{_text[start.._pos]}': only the digits 0-9, a-f and A-F may follow 0x",
                _source.Span(start, _pos));
        }
        return new Token(TokenKind.HexString, _text[(start + 2).._pos], _source.Span(start, _pos));
    }

    private Token ReadString(int start, bool escapes)
    {
        _pos++; // opening quote
        var value = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw new SqlParseException(
                    "unterminated string literal", _source.Span(start, start + 1),
                    "close the string with a single quote; write '' for a quote inside it");
            }
            var c = _text[_pos];
            if (c == '\'')
            {
                if (Peek(1) == '\'')
                {
                    value.Append('\'');
                    _pos += 2;
                    continue;
                }
                _pos++;
                return new Token(TokenKind.String, value.ToString(), _source.Span(start, _pos));
            }
            if (escapes && c == '\\' && _pos + 1 < _text.Length)
            {
                value.Append(_text[_pos + 1] switch
                {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'b' => '\b',
                    'f' => '\f',
                    '0' => '\0',
                    var other => other,
                });
                _pos += 2;
                continue;
            }
            value.Append(c);
            _pos++;
        }
    }

    private Token ReadQuotedIdentifier(int start, char quote)
    {
        _pos++;
        var value = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw new SqlParseException(
                    $"unterminated quoted identifier (missing closing {quote})", _source.Span(start, start + 1));
            }
            var c = _text[_pos];
            if (c == quote)
            {
                if (Peek(1) == quote)
                {
                    value.Append(quote);
                    _pos += 2;
                    continue;
                }
                _pos++;
                if (value.Length == 0)
                {
                    throw new SqlParseException("zero-length quoted identifier", _source.Span(start, _pos));
                }
                return new Token(TokenKind.QuotedIdentifier, value.ToString(), _source.Span(start, _pos));
            }
            value.Append(c);
            _pos++;
        }
    }

    private Token Make(TokenKind kind, int start) => new(kind, _text[start.._pos], _source.Span(start, _pos));
}
