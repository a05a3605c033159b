using Arroyo.Sql.Ast;
using Arroyo.Sql.Parsing;

namespace Arroyo.Sql;

/// <summary>
/// Entry points of the SQL front end. All methods throw <see cref="SqlParseException"/> (a
/// <c>UserException</c> with the offending token's span) on invalid input.
/// </summary>
public static class SqlParser
{
    /// <summary>
    /// Parses a script of ';'-separated statements (trailing ';' optional, empty statements
    /// ignored, <c>--</c> and <c>/* */</c> comments allowed).
    /// </summary>
    public static IReadOnlyList<Statement> ParseScript(string sql) => new Parser(sql).ParseScript();

    /// <summary>Parses exactly one statement (an optional trailing ';' is allowed).</summary>
    public static Statement ParseStatement(string sql)
    {
        var statements = ParseScript(sql);
        if (statements.Count != 1)
        {
            throw new SqlParseException(
                $"expected exactly one statement but found {statements.Count}",
                statements.Count > 1 ? statements[1].Span : default);
        }
        return statements[0];
    }

    /// <summary>Parses a single query (SELECT, WITH ..., VALUES or set operation).</summary>
    public static Query ParseQuery(string sql) => new Parser(sql).ParseStandaloneQuery();

    /// <summary>Parses a single scalar expression; handy for tests and for option values.</summary>
    public static Expr ParseExpression(string sql) => new Parser(sql).ParseStandaloneExpression();

    /// <summary>Parses a type name such as <c>BIGINT UNSIGNED</c> or <c>STRUCT&lt;a INT&gt;[]</c>.</summary>
    public static TypeName ParseType(string sql) => new Parser(sql).ParseStandaloneType();
}
