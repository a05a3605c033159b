using Arroyo.Sql.Ast;
using Arroyo.Sql.Lexing;

namespace Arroyo.Sql.Parsing;

/// <summary>Type names: <c>BIGINT UNSIGNED</c>, <c>DECIMAL(10, 5)</c>, <c>TEXT[]</c>, <c>STRUCT&lt;a INT&gt;</c>, ...</summary>
internal sealed partial class Parser
{
    private TypeName ParseType()
    {
        var start = Current.Span;
        if (Current.Kind != TokenKind.Word) throw Unexpected("a type name");
        var word = Advance().Value.ToLowerInvariant();

        TypeName type;
        if ((word == "array" || word == "list") && IsKind(TokenKind.Lt))
        {
            Advance();
            var element = ParseType();
            ExpectCloseAngle();
            type = new TypeName("array", [], false, element, [], TimeZoneSpec.Unspecified, SpanFrom(start));
        }
        else if (word == "struct" && IsKind(TokenKind.Lt))
        {
            Advance();
            var fields = new List<StructFieldType>();
            if (!IsKind(TokenKind.Gt) && !IsKind(TokenKind.ShiftRight))
            {
                do
                {
                    var fieldName = ParseIdentifier("a struct field name");
                    var fieldType = ParseType();
                    fields.Add(new StructFieldType(fieldName, fieldType, SpanFrom(fieldName.Span)));
                }
                while (TryConsume(TokenKind.Comma));
            }
            ExpectCloseAngle();
            type = new TypeName("struct", [], false, null, fields, TimeZoneSpec.Unspecified, SpanFrom(start));
        }
        else
        {
            type = ParseScalarType(word, start);
        }

        // Postfix array brackets, possibly repeated: INT[][]. A size (INT[3]) is accepted and ignored.
        while (IsKind(TokenKind.LeftBracket))
        {
            Advance();
            if (IsKind(TokenKind.Number)) Advance();
            Expect(TokenKind.RightBracket, "']'");
            type = new TypeName("array", [], false, type, [], TimeZoneSpec.Unspecified, SpanFrom(start));
        }
        return type;
    }

    private TypeName ParseScalarType(string name, Arroyo.Core.Errors.SourceSpan start)
    {
        // Only well-known two-word names are joined, so "x::TEXT AS name" does not eat AS.
        if (name == "double" && TryWord("precision")) name = "double precision";
        else if ((name == "character" || name == "char") && TryWord("varying")) name = "character varying";

        var arguments = new List<int>();
        if (IsKind(TokenKind.LeftParen))
        {
            Advance();
            do
            {
                var number = Expect(TokenKind.Number, "a number");
                if (!int.TryParse(number.Value, out var value))
                {
                    throw new SqlParseException($"invalid type modifier '{number.Value}'", number.Span);
                }
                arguments.Add(value);
            }
            while (TryConsume(TokenKind.Comma));
            Expect(TokenKind.RightParen, "')'");
        }

        var timeZone = TimeZoneSpec.Unspecified;
        if (name is "timestamp" or "time")
        {
            if (IsWord("with") && Peek().IsWord("time"))
            {
                Advance();
                Advance();
                ExpectWord("zone");
                timeZone = TimeZoneSpec.WithTimeZone;
            }
            else if (TryWord("without"))
            {
                ExpectWord("time");
                ExpectWord("zone");
                timeZone = TimeZoneSpec.WithoutTimeZone;
            }
        }

        var unsigned = TryWord("unsigned");
        return new TypeName(name, arguments, unsigned, null, [], timeZone, SpanFrom(start));
    }

    /// <summary>
    /// Expects '>' closing ARRAY&lt;..&gt; or STRUCT&lt;..&gt;. Nested generics end in '>>', which the
    /// lexer reads as a shift operator, so that token is split in two.
    /// </summary>
    private void ExpectCloseAngle()
    {
        if (TryConsume(TokenKind.Gt)) return;
        if (IsKind(TokenKind.ShiftRight))
        {
            var span = Current.Span;
            _tokens[_index] = new Token(
                TokenKind.Gt, ">", new Arroyo.Core.Errors.SourceSpan(span.Start + 1, span.End, span.Line, span.Column + 1));
            return;
        }
        throw Unexpected("'>'");
    }
}
