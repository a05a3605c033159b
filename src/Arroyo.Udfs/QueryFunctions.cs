using System.Text;
using Arroyo.Core.Errors;
using Arroyo.Planner.Catalog;
using Arroyo.Sql;
using Arroyo.Sql.Ast;

namespace Arroyo.Udfs;

/// <summary>
/// Turns the query's <c>CREATE FUNCTION … LANGUAGE csharp AS $$ body $$</c> statements into one
/// C# source: per function a static method of the declared SQL types (parameters not nullable,
/// so a NULL argument gives NULL without a call; the result nullable, so the body may return
/// null) whose body is the statement's, either statements (<c>return …;</c>) or one expression.
/// <c>#line</c> directives map the body back to the query, so a compile error is reported at
/// its line and column there.
/// </summary>
public static class QueryFunctions
{
    /// <summary>The file name compile errors and stack traces of query functions carry.</summary>
    public const string QueryPath = "<query>";

    /// <summary>The C# source of the query's CREATE FUNCTION statements, or null when it has none.</summary>
    public static UdfSource? FromQuery(string query)
    {
        IReadOnlyList<Statement> statements;
        try
        {
            statements = SqlParser.ParseScript(query);
        }
        catch (UserException)
        {
            return null; // planning reports the syntax error with its position
        }
        var functions = statements.OfType<CreateFunctionStatement>().ToList();
        if (functions.Count == 0) return null;
        var code = new StringBuilder();
        code.AppendLine("namespace ArroyoUdfs.Query;");
        for (var i = 0; i < functions.Count; i++) Write(code, functions[i], i, query);
        return new UdfSource(QueryPath, code.ToString());
    }

    private static void Write(StringBuilder code, CreateFunctionStatement function, int index, string query)
    {
        if (!string.Equals(function.Language.Value, "csharp", StringComparison.OrdinalIgnoreCase))
        {
            throw new UserException($"CREATE FUNCTION '{function.Name.Value}': LANGUAGE {function.Language.Original} is not supported; " +
                "this engine compiles C# functions (LANGUAGE csharp)", function.Language.Span);
        }
        var parameters = function.Parameters.Select(p => $"{ClrType(p.Type, function)} @{p.Name.Value}");
        var returns = ClrType(function.Returns, function);
        var bodyOffset = function.BodySpan.Start + (query[function.BodySpan.Start] == '$' ? 2 : 1);
        var (bodyLine, bodyColumn) = LineAndColumn(query, bodyOffset);
        var padding = new string(' ', bodyColumn - 1);
        var isExpression = Microsoft.CodeAnalysis.CSharp.SyntaxFactory.ParseExpression(function.Body).GetDiagnostics().All(d =>
            d.Severity != Microsoft.CodeAnalysis.DiagnosticSeverity.Error);
        code.AppendLine($"public static class Function{index}");
        code.AppendLine("{");
        code.AppendLine($"#line {function.Span.Line} \"{QueryPath}\"");
        code.AppendLine($"    [global::Arroyo.Udfs.ScalarUdf({Microsoft.CodeAnalysis.CSharp.SymbolDisplay.FormatLiteral(function.Name.Value, true)})]");
        code.AppendLine($"    public static {returns}? Invoke({string.Join(", ", parameters)})");
        code.AppendLine(isExpression ? "    =>" : "    {");
        code.AppendLine($"#line {bodyLine} \"{QueryPath}\"");
        code.AppendLine(padding + function.Body);
        code.AppendLine("#line hidden");
        code.AppendLine(isExpression ? "    ;" : "    }");
        code.AppendLine("}");
    }

    private static string ClrType(TypeName type, CreateFunctionStatement function)
    {
        return Compilation.UdfValueType.ClrOf(TypeMapper.Map(type))
            ?? throw new UserException($"CREATE FUNCTION '{function.Name.Value}': type {type} is not supported by C# UDFs; " +
                                       "supported: BOOLEAN, TINYINT…BIGINT (and UNSIGNED), REAL, DOUBLE, TEXT, BYTEA, TIMESTAMP", type.Span);
    }

    private static (int Line, int Column) LineAndColumn(string text, int offset)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < offset; i++)
        {
            if (text[i] != '\n') continue;
            line++;
            lineStart = i + 1;
        }
        return (line, offset - lineStart + 1);
    }

    /// <summary>The span of <paramref name="length"/> characters at a 1-based line and column of <paramref name="query"/>.</summary>
    internal static SourceSpan SpanAt(string query, int line, int column, int length)
    {
        var offset = 0;
        for (var l = 1; l < line && offset < query.Length; l++)
        {
            var next = query.IndexOf('\n', offset);
            if (next < 0) break;
            offset = next + 1;
        }
        offset = Math.Min(query.Length, offset + column - 1);
        return new SourceSpan(offset, Math.Min(query.Length, offset + Math.Max(1, length)), line, column);
    }
}
