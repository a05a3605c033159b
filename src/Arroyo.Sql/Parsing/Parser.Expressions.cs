using Arroyo.Core.Errors;
using Arroyo.Sql.Ast;
using Arroyo.Sql.Lexing;

namespace Arroyo.Sql.Parsing;

/// <summary>
/// Expressions by precedence climbing, with PostgreSQL's precedence (loosest first):
/// OR, AND, NOT, IS, comparison, BETWEEN/IN/LIKE, other operators (|| -> ->> ~ ? &amp; | # &lt;&lt; &gt;&gt;),
/// + -, * / %, unary + -, ::, then [ ] and .field.
/// </summary>
internal sealed partial class Parser
{
    private const int OrPrecedence = 5;
    private const int AndPrecedence = 10;
    private const int NotPrecedence = 15;
    private const int IsPrecedence = 17;
    private const int ComparisonPrecedence = 20;
    private const int LikePrecedence = 22;
    private const int OtherOperatorPrecedence = 30;
    private const int AdditivePrecedence = 40;
    private const int MultiplicativePrecedence = 50;
    private const int UnaryPrecedence = 60;
    // Below :: and above unary minus, as the reference's dialect ranks AT TIME ZONE.
    private const int AtTimeZonePrecedence = 65;
    private const int CastPrecedence = 70;
    private const int PostfixPrecedence = 80;

    private Expr ParseExpr(int minPrecedence = 0)
    {
        var left = ParsePrefix();
        while (true)
        {
            var precedence = NextInfixPrecedence();
            if (precedence <= minPrecedence) return left;
            left = ParseInfix(left, precedence);
        }
    }

    private List<Expr> ParseExprList()
    {
        var list = new List<Expr> { ParseExpr() };
        while (TryConsume(TokenKind.Comma)) list.Add(ParseExpr());
        return list;
    }

    // ------------------------------------------------------------ infix

    private static BinaryOperator? BinaryOperatorOf(TokenKind kind) => kind switch
    {
        TokenKind.Eq or TokenKind.DoubleEq => BinaryOperator.Eq,
        TokenKind.NotEq => BinaryOperator.NotEq,
        TokenKind.Lt => BinaryOperator.Lt,
        TokenKind.LtEq => BinaryOperator.LtEq,
        TokenKind.Gt => BinaryOperator.Gt,
        TokenKind.GtEq => BinaryOperator.GtEq,
        TokenKind.Plus => BinaryOperator.Plus,
        TokenKind.Minus => BinaryOperator.Minus,
        TokenKind.Star => BinaryOperator.Multiply,
        TokenKind.Slash => BinaryOperator.Divide,
        TokenKind.Percent => BinaryOperator.Modulo,
        TokenKind.Concat => BinaryOperator.StringConcat,
        TokenKind.Arrow => BinaryOperator.Arrow,
        TokenKind.LongArrow => BinaryOperator.LongArrow,
        TokenKind.Question => BinaryOperator.Question,
        TokenKind.Ampersand => BinaryOperator.BitwiseAnd,
        TokenKind.Pipe => BinaryOperator.BitwiseOr,
        TokenKind.Hash or TokenKind.Caret => BinaryOperator.BitwiseXor,
        TokenKind.ShiftLeft => BinaryOperator.ShiftLeft,
        TokenKind.ShiftRight => BinaryOperator.ShiftRight,
        TokenKind.Tilde => BinaryOperator.RegexMatch,
        TokenKind.TildeStar => BinaryOperator.RegexIMatch,
        TokenKind.NotTilde => BinaryOperator.RegexNotMatch,
        TokenKind.NotTildeStar => BinaryOperator.RegexNotIMatch,
        TokenKind.AtArrow => BinaryOperator.AtArrow,
        TokenKind.ArrowAt => BinaryOperator.ArrowAt,
        TokenKind.Spaceship => BinaryOperator.Spaceship,
        TokenKind.DoubleTilde => BinaryOperator.LikeMatch,
        TokenKind.DoubleTildeStar => BinaryOperator.ILikeMatch,
        TokenKind.NotDoubleTilde => BinaryOperator.NotLikeMatch,
        TokenKind.NotDoubleTildeStar => BinaryOperator.NotILikeMatch,
        _ => null,
    };

    private static int PrecedenceOf(BinaryOperator op) => op switch
    {
        BinaryOperator.Or => OrPrecedence,
        BinaryOperator.And => AndPrecedence,
        BinaryOperator.Eq or BinaryOperator.NotEq or BinaryOperator.Lt or BinaryOperator.LtEq
            or BinaryOperator.Gt or BinaryOperator.GtEq or BinaryOperator.Spaceship => ComparisonPrecedence,
        BinaryOperator.LikeMatch or BinaryOperator.ILikeMatch or BinaryOperator.NotLikeMatch
            or BinaryOperator.NotILikeMatch => LikePrecedence,
        BinaryOperator.Plus or BinaryOperator.Minus => AdditivePrecedence,
        BinaryOperator.Multiply or BinaryOperator.Divide or BinaryOperator.Modulo => MultiplicativePrecedence,
        _ => OtherOperatorPrecedence,
    };

    private int NextInfixPrecedence()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.DoubleColon:
                return CastPrecedence;
            case TokenKind.LeftBracket:
            case TokenKind.Dot:
                return PostfixPrecedence;
            case TokenKind.Word:
                if (token.IsWord("or")) return OrPrecedence;
                if (token.IsWord("and")) return AndPrecedence;
                if (token.IsWord("is")) return IsPrecedence;
                if (token.IsWord("at") && Peek().IsWord("time")) return AtTimeZonePrecedence;
                if (token.IsWord("in") || token.IsWord("like") || token.IsWord("ilike")
                    || token.IsWord("between") || token.IsWord("similar"))
                {
                    return LikePrecedence;
                }
                if (token.IsWord("not"))
                {
                    var next = Peek();
                    return next.IsWord("in") || next.IsWord("like") || next.IsWord("ilike")
                        || next.IsWord("between") || next.IsWord("similar")
                        ? LikePrecedence
                        : 0;
                }
                return 0;
            default:
                return BinaryOperatorOf(token.Kind) is { } op ? PrecedenceOf(op) : 0;
        }
    }

    private Expr ParseInfix(Expr left, int precedence)
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.DoubleColon:
                Advance();
                var type = ParseType();
                return new CastExpr(left, type, CastKind.DoubleColon, SpanFrom(left.Span));
            case TokenKind.LeftBracket:
                return ParseSubscript(left);
            case TokenKind.Dot:
                Advance();
                var field = ParseIdentifier("a field name");
                return new FieldAccessExpr(left, field, SpanFrom(left.Span));
            case TokenKind.Word:
                return ParseKeywordInfix(left, precedence);
        }

        var op = BinaryOperatorOf(token.Kind)!.Value;
        Advance();
        var right = ParseExpr(precedence);
        return new BinaryExpr(op, left, right, token.Span, left.Span.Union(right.Span));
    }

    /// <summary><c>[i]</c>, or a slice <c>[lower:upper]</c> / <c>[lower:upper:stride]</c> whose bounds may be left out.</summary>
    private Expr ParseSubscript(Expr target)
    {
        Advance(); // [
        var lower = IsKind(TokenKind.Colon) ? null : ParseExpr();
        if (lower is not null && TryConsume(TokenKind.RightBracket)) return new SubscriptExpr(target, lower, SpanFrom(target.Span));
        Expect(TokenKind.Colon, "':' or ']'");
        var upper = IsKind(TokenKind.Colon) || IsKind(TokenKind.RightBracket) ? null : ParseExpr();
        var stride = TryConsume(TokenKind.Colon) ? ParseExpr() : null;
        Expect(TokenKind.RightBracket, stride is null ? "':' or ']'" : "']'");
        return new SliceExpr(target, lower, upper, stride, SpanFrom(target.Span));
    }

    private Expr ParseKeywordInfix(Expr left, int precedence)
    {
        var token = Advance();
        if (token.IsWord("or") || token.IsWord("and"))
        {
            var right = ParseExpr(precedence);
            var op = token.IsWord("or") ? BinaryOperator.Or : BinaryOperator.And;
            return new BinaryExpr(op, left, right, token.Span, left.Span.Union(right.Span));
        }
        if (token.IsWord("is")) return ParseIs(left);
        if (token.IsWord("at")) throw AtTimeZoneRefused(token);

        var negated = token.IsWord("not");
        if (negated) token = Advance();

        if (token.IsWord("in")) return ParseIn(left, negated);
        if (token.IsWord("between"))
        {
            var low = ParseExpr(LikePrecedence);
            ExpectWord("and");
            var high = ParseExpr(LikePrecedence);
            return new BetweenExpr(left, low, high, negated, SpanFrom(left.Span));
        }

        LikeKind kind;
        if (token.IsWord("like")) kind = LikeKind.Like;
        else if (token.IsWord("ilike")) kind = LikeKind.ILike;
        else
        {
            ExpectWord("to"); // SIMILAR TO
            kind = LikeKind.SimilarTo;
        }
        var pattern = ParseExpr(LikePrecedence);
        var escape = TryWord("escape") ? ParseExpr(LikePrecedence) : null;
        return new LikeExpr(kind, left, pattern, escape, negated, SpanFrom(left.Span));
    }

    /// <summary>
    /// <c>ts AT TIME ZONE 'zone'</c>: DataFusion 48 casts to a timestamp that carries the zone (a
    /// zone-less value is read as wall-clock time there; a zoned one keeps its instant), and date_part,
    /// date_trunc and the output then work in that zone. Timestamps here carry no zone (TIMESTAMP
    /// WITH TIME ZONE is read as a UTC TIMESTAMP), so no result of ours would mean the same: refused.
    /// </summary>
    private SqlParseException AtTimeZoneRefused(Token at)
    {
        ExpectWord("time");
        var zone = ExpectWord("zone");
        return new SqlParseException(
            "This feature is not implemented: AT TIME ZONE (timestamps here carry no time zone; every TIMESTAMP is UTC)",
            at.Span.Union(zone.Span),
            "keep the value in UTC, or shift it by a fixed offset with + INTERVAL (e.g. ts + INTERVAL '2 hours')");
    }

    private Expr ParseIs(Expr left)
    {
        var negated = TryWord("not");
        if (TryWord("null")) return new IsNullExpr(left, negated, SpanFrom(left.Span));
        if (TryWord("true")) return new IsBooleanExpr(left, true, negated, SpanFrom(left.Span));
        if (TryWord("false")) return new IsBooleanExpr(left, false, negated, SpanFrom(left.Span));
        if (TryWord("unknown")) return new IsBooleanExpr(left, null, negated, SpanFrom(left.Span));
        if (TryWord("distinct"))
        {
            ExpectWord("from");
            var right = ParseExpr(IsPrecedence);
            return new IsDistinctFromExpr(left, right, negated, SpanFrom(left.Span));
        }
        throw Unexpected("NULL, TRUE, FALSE, UNKNOWN or DISTINCT FROM after IS");
    }

    private Expr ParseIn(Expr left, bool negated)
    {
        Expect(TokenKind.LeftParen, "'('");
        if (IsQueryStart())
        {
            var query = ParseQuery();
            Expect(TokenKind.RightParen, "')'");
            return new InSubqueryExpr(left, query, negated, SpanFrom(left.Span));
        }
        var list = IsKind(TokenKind.RightParen) ? [] : ParseExprList();
        Expect(TokenKind.RightParen, "',' or ')'");
        return new InListExpr(left, list, negated, SpanFrom(left.Span));
    }

    // ------------------------------------------------------------ prefix

    private Expr ParsePrefix()
    {
        var token = Current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Advance();
                var isInteger = !token.Value.Contains('.') && !token.Value.Contains('e') && !token.Value.Contains('E');
                return new NumberLiteral(token.Value, isInteger, token.Span);
            case TokenKind.String:
                Advance();
                return new StringLiteral(token.Value, token.Span);
            case TokenKind.HexString:
                Advance();
                return new HexStringLiteral(DecodeHex(token.Value), token.Span);
            case TokenKind.QuotedIdentifier:
                return ParseNameExpression();
            case TokenKind.LeftParen:
                return ParseParenthesized();
            case TokenKind.LeftBracket:
                return ParseArrayElements(token.Span);
            case TokenKind.Star:
                Advance();
                return new WildcardExpr(null, token.Span);
            case TokenKind.Minus:
            case TokenKind.Plus:
            case TokenKind.Tilde:
                Advance();
                var operand = ParseExpr(UnaryPrecedence);
                var op = token.Kind switch
                {
                    TokenKind.Minus => UnaryOperator.Minus,
                    TokenKind.Plus => UnaryOperator.Plus,
                    _ => UnaryOperator.BitwiseNot,
                };
                return new UnaryExpr(op, operand, SpanFrom(token.Span));
            case TokenKind.Word:
                return ParseWordPrefix();
            default:
                throw Unexpected("an expression");
        }
    }

    private Expr ParseWordPrefix()
    {
        var token = Current;
        var word = token.Value.ToLowerInvariant();
        var next = Peek();
        switch (word)
        {
            case "null":
                Advance();
                return new NullLiteral(token.Span);
            case "true":
            case "false":
                Advance();
                return new BooleanLiteral(word == "true", token.Span);
            case "not":
                Advance();
                if (IsWord("exists") && Peek().Kind == TokenKind.LeftParen) return ParseExists(token.Span, negated: true);
                var operand = ParseExpr(NotPrecedence);
                return new UnaryExpr(UnaryOperator.Not, operand, SpanFrom(token.Span));
            case "case":
                return ParseCase();
            case "interval" when next.Kind is TokenKind.String or TokenKind.Number:
                return ParseInterval();
            case "timestamp" or "date" or "time" or "timestamptz" or "datetime" when next.Kind == TokenKind.String:
                Advance();
                var literal = Advance();
                var type = new TypeName(word, [], false, null, [], TimeZoneSpec.Unspecified, token.Span);
                return new TypedStringLiteral(type, literal.Value, SpanFrom(token.Span));
            case "array" when next.Kind == TokenKind.LeftBracket:
                Advance();
                return ParseArrayElements(token.Span);
            case "row" when next.Kind == TokenKind.LeftParen:
                Advance();
                Advance();
                var elements = IsKind(TokenKind.RightParen) ? [] : ParseExprList();
                Expect(TokenKind.RightParen, "')'");
                return new RowExpr(elements, SpanFrom(token.Span));
            case "exists" when next.Kind == TokenKind.LeftParen && IsQueryStartAt(_index + 2):
                return ParseExists(token.Span, negated: false);
            case "cast" or "try_cast" when next.Kind == TokenKind.LeftParen:
                return ParseCast(word == "cast" ? CastKind.Cast : CastKind.TryCast);
            case "extract" when next.Kind == TokenKind.LeftParen:
                return ParseExtract();
            case "position" when next.Kind == TokenKind.LeftParen:
                return ParsePosition();
            case "substring" when next.Kind == TokenKind.LeftParen:
                return ParseSubstring();
            case "trim" when next.Kind == TokenKind.LeftParen:
                return ParseTrim();
        }
        if (Keywords.NotAnExpression.Contains(word)) throw Unexpected("an expression");
        return ParseNameExpression();
    }

    /// <summary>A column reference <c>a</c>, <c>a.b.c</c>, a qualified wildcard <c>t.*</c> or a function call.</summary>
    private Expr ParseNameExpression()
    {
        var parts = new List<Identifier> { MakeIdentifier(Advance()) };
        while (IsKind(TokenKind.Dot))
        {
            var after = Peek();
            if (after.Kind == TokenKind.Star)
            {
                Advance();
                Advance();
                var qualifier = new ObjectName(parts, parts[0].Span.Union(parts[^1].Span));
                return new WildcardExpr(qualifier, SpanFrom(parts[0].Span));
            }
            if (!IsIdentifierToken(after)) break;
            Advance();
            parts.Add(MakeIdentifier(Advance()));
        }

        var span = SpanFrom(parts[0].Span);
        if (IsKind(TokenKind.LeftParen)) return ParseFunctionCall(new ObjectName(parts, span));
        return parts.Count == 1 ? new IdentifierExpr(parts[0], span) : new CompoundIdentifierExpr(parts, span);
    }

    private Expr ParseParenthesized()
    {
        var start = Current.Span;
        if (IsQueryStartAt(_index + 1))
        {
            Advance();
            var query = ParseQuery();
            Expect(TokenKind.RightParen, "')'");
            return new SubqueryExpr(query, SpanFrom(start));
        }
        Advance();
        var first = ParseExpr();
        if (IsKind(TokenKind.Comma))
        {
            var elements = new List<Expr> { first };
            while (TryConsume(TokenKind.Comma)) elements.Add(ParseExpr());
            Expect(TokenKind.RightParen, "')'");
            return new RowExpr(elements, SpanFrom(start));
        }
        Expect(TokenKind.RightParen, "')'");
        // Widen the span to include the parentheses so error carets cover what the user wrote.
        return first with { Span = SpanFrom(start) };
    }

    private ArrayExpr ParseArrayElements(SourceSpan start)
    {
        Expect(TokenKind.LeftBracket, "'['");
        var elements = IsKind(TokenKind.RightBracket) ? [] : ParseExprList();
        Expect(TokenKind.RightBracket, "',' or ']'");
        return new ArrayExpr(elements, SpanFrom(start));
    }

    private ExistsExpr ParseExists(SourceSpan start, bool negated)
    {
        ExpectWord("exists");
        Expect(TokenKind.LeftParen, "'('");
        var query = ParseQuery();
        Expect(TokenKind.RightParen, "')'");
        return new ExistsExpr(query, negated, SpanFrom(start));
    }

    private IntervalLiteral ParseInterval()
    {
        var start = Advance().Span; // INTERVAL
        var value = Advance().Value;
        string? leading = null;
        string? trailing = null;
        if (Current.Kind == TokenKind.Word && Keywords.IntervalUnits.Contains(Current.Value))
        {
            leading = Advance().Value.ToLowerInvariant();
            SkipIntervalPrecision();
            if (IsWord("to") && Keywords.IntervalUnits.Contains(Peek().Value))
            {
                Advance();
                trailing = Advance().Value.ToLowerInvariant();
                SkipIntervalPrecision();
            }
        }
        return new IntervalLiteral(value, leading, trailing, SpanFrom(start));
    }

    /// <summary><c>SECOND(3)</c>: fractional precision only affects display, which Arroyo does not use.</summary>
    private void SkipIntervalPrecision()
    {
        if (IsKind(TokenKind.LeftParen) && Peek().Kind == TokenKind.Number && Peek(2).Kind == TokenKind.RightParen)
        {
            Advance();
            Advance();
            Advance();
        }
    }

    private CaseExpr ParseCase()
    {
        var start = Advance().Span; // CASE
        var operand = IsWord("when") ? null : ParseExpr();
        var whens = new List<CaseWhen>();
        while (IsWord("when"))
        {
            var whenStart = Advance().Span;
            var condition = ParseExpr();
            ExpectWord("then");
            var result = ParseExpr();
            whens.Add(new CaseWhen(condition, result, SpanFrom(whenStart)));
        }
        if (whens.Count == 0) throw Unexpected("WHEN");
        var otherwise = TryWord("else") ? ParseExpr() : null;
        if (!TryWord("end")) throw Unexpected(otherwise is null ? "WHEN, ELSE or END" : "END");
        return new CaseExpr(operand, whens, otherwise, SpanFrom(start));
    }

    private CastExpr ParseCast(CastKind kind)
    {
        var start = Advance().Span; // CAST / TRY_CAST
        Expect(TokenKind.LeftParen, "'('");
        var operand = ParseExpr();
        ExpectWord("as");
        var type = ParseType();
        Expect(TokenKind.RightParen, "')'");
        return new CastExpr(operand, type, kind, SpanFrom(start));
    }

    private ExtractExpr ParseExtract()
    {
        var start = Advance().Span; // EXTRACT
        Expect(TokenKind.LeftParen, "'('");
        var fieldToken = Current;
        string field;
        if (fieldToken.Kind is TokenKind.Word or TokenKind.QuotedIdentifier or TokenKind.String)
        {
            field = Advance().Value.ToLowerInvariant();
        }
        else
        {
            throw Unexpected("a date/time field such as EPOCH, YEAR or HOUR");
        }
        ExpectWord("from");
        var source = ParseExpr();
        Expect(TokenKind.RightParen, "')'");
        return new ExtractExpr(field, source, fieldToken.Span, SpanFrom(start));
    }

    private Expr ParsePosition()
    {
        var nameToken = Current;
        var start = Advance().Span; // POSITION
        Expect(TokenKind.LeftParen, "'('");
        // Parse above IN's precedence so "a IN b" is not read as an IN-list.
        var needle = ParseExpr(LikePrecedence);
        if (!TryWord("in"))
        {
            return ContinueFunctionCall(MakeName(nameToken), needle);
        }
        var haystack = ParseExpr();
        Expect(TokenKind.RightParen, "')'");
        return new PositionExpr(needle, haystack, SpanFrom(start));
    }

    private Expr ParseSubstring()
    {
        var nameToken = Current;
        var start = Advance().Span; // SUBSTRING
        Expect(TokenKind.LeftParen, "'('");
        var operand = ParseExpr();
        if (!IsWord("from") && !IsWord("for"))
        {
            return ContinueFunctionCall(MakeName(nameToken), operand);
        }
        var from = TryWord("from") ? ParseExpr() : null;
        var length = TryWord("for") ? ParseExpr() : null;
        Expect(TokenKind.RightParen, "')'");
        return new SubstringExpr(operand, from, length, SpanFrom(start));
    }

    private Expr ParseTrim()
    {
        var nameToken = Current;
        var start = Advance().Span; // TRIM
        Expect(TokenKind.LeftParen, "'('");
        TrimWhere? where = TryWord("both") ? TrimWhere.Both
            : TryWord("leading") ? TrimWhere.Leading
            : TryWord("trailing") ? TrimWhere.Trailing
            : null;
        if (where is not null && TryWord("from"))
        {
            // TRIM(LEADING FROM x): no characters given.
            var target = ParseExpr();
            Expect(TokenKind.RightParen, "')'");
            return new TrimExpr(where.Value, null, target, SpanFrom(start));
        }
        var first = ParseExpr();
        if (TryWord("from"))
        {
            var target = ParseExpr();
            Expect(TokenKind.RightParen, "')'");
            return new TrimExpr(where ?? TrimWhere.Both, first, target, SpanFrom(start));
        }
        if (where is not null)
        {
            Expect(TokenKind.RightParen, "')'");
            return new TrimExpr(where.Value, null, first, SpanFrom(start));
        }
        return ContinueFunctionCall(MakeName(nameToken), first);
    }

    /// <summary>Hex digits to bytes; an odd count makes the first digit a byte on its own (X'F' is 0x0F), as DataFusion.</summary>
    private static byte[] DecodeHex(string digits)
    {
        var odd = digits.Length % 2;
        var bytes = new byte[(digits.Length + 1) / 2];
        if (odd == 1) bytes[0] = Convert.ToByte(digits[..1], 16);
        for (var i = odd; i < digits.Length; i += 2) bytes[(i + 1) / 2] = Convert.ToByte(digits.Substring(i, 2), 16);
        return bytes;
    }

    private static ObjectName MakeName(Token token) => new([MakeIdentifier(token)], token.Span);
}
