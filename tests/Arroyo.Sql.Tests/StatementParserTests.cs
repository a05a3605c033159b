using Arroyo.Sql.Ast;

namespace Arroyo.Sql.Tests;

public sealed class StatementParserTests
{
    private static T Single<T>(string sql) where T : Statement =>
        Assert.IsType<T>(Assert.Single(SqlParser.ParseScript(sql)));

    [Fact]
    public void CreateTableWithColumnsConstraintsAndOptions()
    {
        const string sql = """
            CREATE TABLE IF NOT EXISTS cars (
              timestamp TIMESTAMP NOT NULL,
              driver_id BIGINT UNSIGNED,
              "Event" TEXT NULL,
              id INT PRIMARY KEY,
              key TEXT METADATA FROM 'key' PRIMARY KEY,
              parsed TEXT GENERATED ALWAYS AS (parse_log(value)) STORED,
              PRIMARY KEY (id, driver_id),
              WATERMARK FOR timestamp AS (timestamp - INTERVAL '1' MINUTE)
            ) WITH (
              connector = 'kafka',
              'json.unstructured' = 'true',
              json.include_schema = true,
              event_rate = 10,
              event_time_field = datetime,
              'rolling_policy.interval' = interval '10 minutes',
              'partitioning.fields' = [type, app_version]
            )
            """;
        var create = Single<CreateTableStatement>(sql);
        Assert.Equal("cars", create.Name.Value);
        Assert.True(create.IfNotExists);
        Assert.True(create.HasColumnList);
        Assert.Equal(["timestamp", "driver_id", "Event", "id", "key", "parsed"], create.Columns.Select(c => c.Name.Value));

        Assert.Equal(Nullability.NotNull, create.Columns[0].Nullability);
        Assert.Equal("timestamp", create.Columns[0].Type.Name);
        Assert.True(create.Columns[1].Type.Unsigned);
        Assert.Equal(Nullability.Null, create.Columns[2].Nullability);
        Assert.True(create.Columns[3].PrimaryKey);
        Assert.Equal("key", create.Columns[4].MetadataKey?.Value);
        Assert.True(create.Columns[4].PrimaryKey);
        Assert.IsType<FunctionCall>(create.Columns[5].GeneratedAs);
        Assert.True(create.Columns[5].Stored);

        var pk = Assert.IsType<PrimaryKeyConstraint>(create.Constraints[0]);
        Assert.Equal(["id", "driver_id"], pk.Columns.Select(c => c.Value));
        var watermark = Assert.IsType<WatermarkConstraint>(create.Constraints[1]);
        Assert.Equal("timestamp", watermark.Column.Value);
        Assert.Equal("(timestamp - INTERVAL '1' minute)", AstPrinter.Print(watermark.Expression!));

        Assert.Equal(
            [
                ("connector", SqlOptionKind.String, "kafka"),
                ("json.unstructured", SqlOptionKind.String, "true"),
                ("json.include_schema", SqlOptionKind.Boolean, "true"),
                ("event_rate", SqlOptionKind.Number, "10"),
                ("event_time_field", SqlOptionKind.Identifier, "datetime"),
                ("rolling_policy.interval", SqlOptionKind.Interval, "interval '10 minutes'"),
                ("partitioning.fields", SqlOptionKind.Array, "[type, app_version]"),
            ],
            create.Options.Select(o => (o.Key, o.Kind, o.Text)));
        Assert.Equal("'json.unstructured'", sql[create.Options[1].KeySpan.Start..create.Options[1].KeySpan.End]);
    }

    [Fact]
    public void CreateFunctionWithDollarQuotedBody()
    {
        const string sql = "CREATE FUNCTION double_negative(x BIGINT UNSIGNED, label TEXT) RETURNS BIGINT LANGUAGE csharp AS $$\n  return -2 * (long)x; // 'quotes' \\ stay\n$$;\nSELECT 1";
        var statements = SqlParser.ParseScript(sql);
        var function = Assert.IsType<CreateFunctionStatement>(statements[0]);
        Assert.Equal("double_negative", function.Name.Value);
        Assert.Equal(["x", "label"], function.Parameters.Select(p => p.Name.Value));
        Assert.True(function.Parameters[0].Type.Unsigned);
        Assert.Equal("bigint", function.Returns.Name);
        Assert.Equal("csharp", function.Language.Value);
        Assert.Equal("\n  return -2 * (long)x; // 'quotes' \\ stay\n", function.Body);
        Assert.Equal(sql.IndexOf("$$", StringComparison.Ordinal), function.BodySpan.Start);
        Assert.IsType<QueryStatement>(statements[1]);
    }

    [Fact]
    public void CreateFunctionWithoutParametersAndQuotedBody()
    {
        var function = Assert.IsType<CreateFunctionStatement>(SqlParser.ParseStatement("create function one() returns int language csharp as '1'"));
        Assert.Empty(function.Parameters);
        Assert.Equal("1", function.Body);
    }

    [Fact]
    public void CreateTableWithoutColumnsOrOptions()
    {
        var statements = SqlParser.ParseScript(
            "CREATE TABLE nexmark WITH (connector = 'nexmark', event_rate = '10'); CREATE TABLE memory (a TEXT); CREATE TABLE e WITH ()");
        var nexmark = Assert.IsType<CreateTableStatement>(statements[0]);
        Assert.False(nexmark.HasColumnList);
        Assert.Empty(nexmark.Columns);
        Assert.Equal(2, nexmark.Options.Count);
        var memory = Assert.IsType<CreateTableStatement>(statements[1]);
        Assert.True(memory.HasColumnList);
        Assert.Empty(memory.Options);
        Assert.Empty(Assert.IsType<CreateTableStatement>(statements[2]).Options);
    }

    [Fact]
    public void CreateTemporaryTableAsQueryAndPartitionedBy()
    {
        var statements = SqlParser.ParseScript("""
            create temporary table lookup (k TEXT) with (connector = 'redis');
            CREATE TABLE counts as (SELECT count(*) FROM nexmark);
            create table sink (id INT) with (connector = 'iceberg') PARTITIONED BY (bucket(id, 4), hour(ts));
            """);
        Assert.True(Assert.IsType<CreateTableStatement>(statements[0]).Temporary);
        var counts = Assert.IsType<CreateTableStatement>(statements[1]);
        Assert.IsType<Select>(counts.AsQuery!.Body);
        var sink = Assert.IsType<CreateTableStatement>(statements[2]);
        Assert.Equal(["bucket(id, 4)", "hour(ts)"], sink.PartitionedBy.Select(AstPrinter.Print));
    }

    [Theory]
    [InlineData("TIMESTAMP", "timestamp")]
    [InlineData("TIMESTAMP(6)", "timestamp(6)")]
    [InlineData("timestamp with time zone", "timestamp with time zone")]
    [InlineData("DOUBLE PRECISION", "double precision")]
    [InlineData("DECIMAL(10, 5)", "decimal(10, 5)")]
    [InlineData("VARCHAR(20)", "varchar(20)")]
    [InlineData("bigint unsigned", "bigint unsigned")]
    [InlineData("TEXT[]", "text[]")]
    [InlineData("ARRAY<INT>", "int[]")]
    [InlineData("struct<a int, x struct<b text>>", "struct<a int, x struct<b text>>")]
    [InlineData("ARRAY<STRUCT<a INT>>", "struct<a int>[]")]
    [InlineData("datetime", "datetime")]
    public void TypeNames(string sql, string expected) => Assert.Equal(expected, SqlParser.ParseType(sql).ToString());

    [Fact]
    public void StructTypeFields()
    {
        var type = SqlParser.ParseType("STRUCT<a INT, \"B\" TEXT[]>");
        Assert.True(type.IsStruct);
        Assert.Equal(["a", "B"], type.Fields.Select(f => f.Name.Value));
        Assert.True(type.Fields[1].Type.IsArray);
        Assert.Equal("text", type.Fields[1].Type.ElementType!.Name);
    }

    [Fact]
    public void CreateViewInsertAndSet()
    {
        var statements = SqlParser.ParseScript("""
            CREATE VIEW tags AS (SELECT tag FROM t);
            INSERT INTO sink SELECT a, b FROM source;
            INSERT INTO sink (x, y) SELECT a, b FROM source;
            set updating_ttl = interval '5' second;
            SET parallelism TO 4;
            """);
        var view = Assert.IsType<CreateViewStatement>(statements[0]);
        Assert.Equal("tags", view.Name.Value);
        Assert.IsType<Select>(view.Query.Body);
        var insert = Assert.IsType<InsertStatement>(statements[1]);
        Assert.Equal("sink", insert.Table.Value);
        Assert.Empty(insert.Columns);
        Assert.Equal(["x", "y"], Assert.IsType<InsertStatement>(statements[2]).Columns.Select(c => c.Value));
        var set = Assert.IsType<SetStatement>(statements[3]);
        Assert.Equal("updating_ttl", set.Name.Value);
        Assert.Equal("INTERVAL '5' second", AstPrinter.Print(set.Value));
        Assert.Equal("4", AstPrinter.Print(Assert.IsType<SetStatement>(statements[4]).Value));
    }

    [Fact]
    public void SelectClauses()
    {
        var query = Single<QueryStatement>("""
            SELECT DISTINCT a AS x, b y, "c" z, count(*) count, t.*, *
            FROM t
            WHERE a > 1
            GROUP BY 1, b
            HAVING count(*) > 2
            ORDER BY x DESC NULLS LAST, y
            LIMIT 10
            """).Query;
        var select = Assert.IsType<Select>(query.Body);
        Assert.True(select.Distinct);
        Assert.Equal(6, select.Projection.Count);
        Assert.Equal(["x", "y", "z", "count"], select.Projection.OfType<ExprSelectItem>().Select(i => i.Alias!.Value));
        Assert.Equal("t", Assert.IsType<WildcardSelectItem>(select.Projection[4]).Qualifier!.Value);
        Assert.Null(Assert.IsType<WildcardSelectItem>(select.Projection[5]).Qualifier);
        Assert.Equal("t", Assert.IsType<NamedTableRef>(Assert.Single(select.From)).Name.Value);
        Assert.Equal("(a > 1)", AstPrinter.Print(select.Where!));
        Assert.Equal(["1", "b"], select.GroupBy.Select(AstPrinter.Print));
        Assert.NotNull(select.Having);
        Assert.Equal(2, query.OrderBy.Count);
        Assert.False(query.OrderBy[0].Ascending);
        Assert.False(query.OrderBy[0].NullsFirst);
        Assert.Null(query.OrderBy[1].Ascending);
        Assert.Equal("10", AstPrinter.Print(query.Limit!));
    }

    [Fact]
    public void KeywordColumnNamesAndAliases()
    {
        var select = Assert.IsType<Select>(SqlParser.ParseQuery(
            "SELECT window.start, window.end as end, rows, timestamp, type, value, key, hour, min, max FROM t").Body);
        Assert.Equal(10, select.Projection.Count);
        Assert.Equal("end", ((ExprSelectItem)select.Projection[1]).Alias!.Value);
    }

    [Fact]
    public void Joins()
    {
        var select = Assert.IsType<Select>(SqlParser.ParseQuery("""
            SELECT * FROM impulse A inner join lookup B on A.k = B.k
            LEFT OUTER JOIN c USING (k) FULL OUTER JOIN (SELECT 1 AS k) d ON true
            CROSS JOIN e, f AS g
            """).Body);
        Assert.Equal(2, select.From.Count);
        var cross = Assert.IsType<JoinTableRef>(select.From[0]);
        Assert.Equal(JoinKind.Cross, cross.Kind);
        var full = Assert.IsType<JoinTableRef>(cross.Left);
        Assert.Equal(JoinKind.Full, full.Kind);
        Assert.Equal("d", Assert.IsType<DerivedTableRef>(full.Right).Alias!.Name.Value);
        var left = Assert.IsType<JoinTableRef>(full.Left);
        Assert.Equal(JoinKind.Left, left.Kind);
        Assert.Equal(["k"], left.Using.Select(u => u.Value));
        var inner = Assert.IsType<JoinTableRef>(left.Left);
        Assert.Equal(JoinKind.Inner, inner.Kind);
        Assert.Equal("a", Assert.IsType<NamedTableRef>(inner.Left).Alias!.Name.Value);
        Assert.Equal("(a.k = b.k)", AstPrinter.Print(inner.On!));
        Assert.Equal("g", Assert.IsType<NamedTableRef>(select.From[1]).Alias!.Name.Value);
    }

    [Fact]
    public void SubqueryWithoutAliasAndTableFunction()
    {
        var select = Assert.IsType<Select>(SqlParser.ParseQuery(
            "SELECT * FROM (SELECT a FROM t) WHERE a > 1").Body);
        var derived = Assert.IsType<DerivedTableRef>(Assert.Single(select.From));
        Assert.Null(derived.Alias);
        Assert.NotNull(select.Where);

        var function = Assert.IsType<Select>(SqlParser.ParseQuery("SELECT x FROM unnest([1, 2]) AS u(x)").Body);
        var call = Assert.IsType<TableFunctionRef>(Assert.Single(function.From));
        Assert.Equal("unnest", call.Function.Name.Value);
        Assert.Equal(["x"], call.Alias!.Columns.Select(c => c.Value));
    }

    [Fact]
    public void WithUnionAndValues()
    {
        var query = SqlParser.ParseQuery("""
            WITH bids AS (SELECT a FROM t), b2 (x) AS (SELECT 1)
            SELECT a FROM bids UNION ALL SELECT x FROM b2 UNION (SELECT 3) ORDER BY 1
            """);
        Assert.Equal(["bids", "b2"], query.With.Select(c => c.Name.Value));
        Assert.Equal(["x"], query.With[1].Columns.Select(c => c.Value));
        var union = Assert.IsType<SetOperation>(query.Body);
        Assert.False(union.All);
        Assert.IsType<NestedQueryBody>(union.Right);
        var first = Assert.IsType<SetOperation>(union.Left);
        Assert.True(first.All);
        Assert.Single(query.OrderBy);

        var values = Assert.IsType<ValuesBody>(SqlParser.ParseQuery("VALUES (1, 'a'), (2, 'b')").Body);
        Assert.Equal(2, values.Rows.Count);
    }

    [Fact]
    public void ScriptSeparatorsAndComments()
    {
        var statements = SqlParser.ParseScript("""
            --fail=something
            ;; SELECT 1; /* comment */
            SELECT 2 -- trailing
            ;
            """);
        Assert.Equal(2, statements.Count);
        Assert.Equal("SELECT 1", "--fail=something\n;; SELECT 1;"[statements[0].Span.Start..statements[0].Span.End]);
    }

    [Fact]
    public void StatementSpansExcludeTheSemicolon()
    {
        const string sql = "SELECT 1;\n  INSERT INTO t SELECT 2 ;";
        var statements = SqlParser.ParseScript(sql);
        Assert.Equal("INSERT INTO t SELECT 2", sql[statements[1].Span.Start..statements[1].Span.End]);
        Assert.Equal((2, 3), (statements[1].Span.Line, statements[1].Span.Column));
    }

    [Fact]
    public void ExplainWrapsASelectOrAnInsert()
    {
        var select = Single<ExplainStatement>("EXPLAIN SELECT a FROM t");
        Assert.IsType<QueryStatement>(select.Statement);
        Assert.Equal(0, select.Span.Start);

        var insert = Single<ExplainStatement>("explain INSERT INTO out SELECT a FROM t");
        Assert.IsType<InsertStatement>(insert.Statement);
    }

    [Fact]
    public void ExplainOfAnythingButAQueryIsRefusedAtTheStatement()
    {
        var error = Assert.Throws<SqlParseException>(() => SqlParser.ParseScript("EXPLAIN CREATE TABLE t (a INT)"));
        Assert.Contains("a SELECT or INSERT statement to explain", error.Message);
        Assert.Equal(8, error.Span.Start);
    }
}
