using Arroyo.Core.Types;
using static Arroyo.Engine.Tests.Expressions.SqlExprKit;

namespace Arroyo.Engine.Tests.Expressions;

/// <summary>
/// Array functions: first the examples of the reference's array page (sql/scalar-functions/array),
/// then DataFusion's edge cases (sqllogictest array.slt: negative positions, NULLs, empty arrays).
/// </summary>
public sealed class ArrayFunctionTests
{
    [Theory]
    [InlineData("array_append([1, 2, 3], 4)", "[1, 2, 3, 4]")]
    [InlineData("array_sort([3, 1, 2])", "[1, 2, 3]")]
    [InlineData("array_resize([1, 2, 3], 5, 0)", "[1, 2, 3, 0, 0]")]
    [InlineData("array_concat([1, 2], [3, 4], [5, 6])", "[1, 2, 3, 4, 5, 6]")]
    [InlineData("array_dims([[1, 2, 3], [4, 5, 6]])", "[2, 3]")]
    [InlineData("array_distinct([1, 3, 2, 3, 1, 2, 4])", "[1, 2, 3, 4]")]
    [InlineData("array_element([1, 2, 3, 4], 3)", "3")]
    [InlineData("array_intersect([1, 2, 3, 4], [5, 6, 3, 4])", "[3, 4]")]
    [InlineData("array_length([1, 2, 3, 4, 5])", "5")]
    [InlineData("array_ndims([[1, 2, 3], [4, 5, 6]])", "2")]
    [InlineData("array_prepend(1, [2, 3, 4])", "[1, 2, 3, 4]")]
    [InlineData("array_pop_front([1, 2, 3])", "[2, 3]")]
    [InlineData("array_pop_back([1, 2, 3])", "[1, 2]")]
    [InlineData("array_position([1, 2, 2, 3, 1, 4], 2)", "2")]
    [InlineData("array_positions([1, 2, 2, 3, 1, 4], 2)", "[2, 3]")]
    [InlineData("array_repeat(1, 3)", "[1, 1, 1]")]
    [InlineData("array_repeat([1, 2], 2)", "[[1, 2], [1, 2]]")]
    [InlineData("array_remove([1, 2, 2, 3, 2, 1, 4], 2)", "[1, 2, 3, 2, 1, 4]")]
    [InlineData("array_remove_n([1, 2, 2, 3, 2, 1, 4], 2, 2)", "[1, 3, 2, 1, 4]")]
    [InlineData("array_remove_all([1, 2, 2, 3, 2, 1, 4], 2)", "[1, 3, 1, 4]")]
    [InlineData("array_replace([1, 2, 2, 3, 2, 1, 4], 2, 5)", "[1, 5, 2, 3, 2, 1, 4]")]
    [InlineData("array_replace_n([1, 2, 2, 3, 2, 1, 4], 2, 5, 2)", "[1, 5, 5, 3, 2, 1, 4]")]
    [InlineData("array_replace_all([1, 2, 2, 3, 2, 1, 4], 2, 5)", "[1, 5, 5, 3, 5, 1, 4]")]
    [InlineData("array_reverse([1, 2, 3, 4])", "[4, 3, 2, 1]")]
    [InlineData("array_slice([1, 2, 3, 4, 5, 6, 7, 8], 3, 6)", "[3, 4, 5, 6]")]
    [InlineData("array_to_string([[1, 2, 3, 4], [5, 6, 7, 8]], ',')", "1,2,3,4,5,6,7,8")]
    [InlineData("array_union([1, 2, 3, 4], [5, 6, 3, 4])", "[1, 2, 3, 4, 5, 6]")]
    [InlineData("array_except([1, 2, 3, 4], [5, 6, 3, 4])", "[1, 2]")]
    [InlineData("cardinality([[1, 2, 3, 4], [5, 6, 7, 8]])", "8")]
    [InlineData("empty([1])", "false")]
    [InlineData("generate_series(1,3)", "[1, 2, 3]")]
    [InlineData("make_array(1, 2, 3, 4, 5)", "[1, 2, 3, 4, 5]")]
    public void Reference_doc_examples(string sql, string expected) => Assert.Equal(expected, Eval(sql));

    [Theory]
    // sort: direction and NULL placement (NULLs first unless told otherwise).
    [InlineData("array_sort([3, NULL, 1, 2], 'DESC')", "[NULL, 3, 2, 1]")]
    [InlineData("array_sort([3, NULL, 1], 'ASC', 'NULLS LAST')", "[1, 3, NULL]")]
    [InlineData("list_sort(['b', 'a'])", "[a, b]")]
    // slice: 1-based inclusive, 0 reads as 1, negatives count from the end, strides.
    [InlineData("array_slice([1, 2, 3, 4, 5], 0, 2)", "[1, 2]")]
    [InlineData("array_slice([1, 2, 3, 4, 5], -2, -1)", "[4, 5]")]
    [InlineData("array_slice([1, 2, 3, 4, 5], 2, 100)", "[2, 3, 4, 5]")]
    [InlineData("array_slice([1, 2, 3, 4, 5], 4, 2)", "[]")]
    [InlineData("array_slice([1, 2, 3, 4, 5], 1, 5, 2)", "[1, 3, 5]")]
    [InlineData("array_slice([1, 2, 3, 4, 5], 5, 1, -2)", "[5, 3, 1]")]
    [InlineData("list_slice([], 1, 2)", "[]")]
    // set operations keep first-seen order and drop duplicates; NULL equals NULL.
    [InlineData("array_union([1, 1, NULL], [NULL, 2])", "[1, NULL, 2]")]
    [InlineData("array_intersect([1, 1, 2], [1, 2, 2])", "[1, 2]")]
    [InlineData("array_except([1, 2, 2, 3], [3])", "[1, 2]")]
    [InlineData("array_has_all([1, 2, 3], [3, 1])", "true")]
    [InlineData("array_has_all([1, 2], [3])", "false")]
    [InlineData("array_has_any([1, 2], [3, 2])", "true")]
    [InlineData("list_has_any([1, 2], [3.5])", "false")]
    [InlineData("array_has_all([], [])", "true")]
    // shape.
    [InlineData("array_dims([])", "NULL")]
    [InlineData("array_ndims([[[1]]])", "3")]
    [InlineData("flatten([[1, 2], [3, 4]])", "[1, 2, 3, 4]")]
    [InlineData("flatten([[[1]], [[2, 3]]])", "[[1], [2, 3]]")]
    [InlineData("flatten([1, 2])", "[1, 2]")]
    [InlineData("array_empty([])", "true")]
    [InlineData("cardinality([])", "0")]
    [InlineData("array_max([3, NULL, 7, 1])", "7")]
    [InlineData("array_min(['b', 'a', NULL])", "a")]
    [InlineData("array_max([])", "NULL")]
    [InlineData("array_any_value([NULL, 2, 3])", "2")]
    [InlineData("array_distance([1, 2], [1, 4])", "2")]
    [InlineData("array_distance([1.0, 1.0], [4.0, 5.0])", "5")]
    // edits.
    [InlineData("array_resize([1, 2, 3], 2)", "[1, 2]")]
    [InlineData("array_resize([1], 3)", "[1, NULL, NULL]")]
    [InlineData("array_remove_all([NULL, 1, NULL], NULL)", "[1]")]
    [InlineData("array_replace_all(['a', 'b', 'a'], 'a', 'z')", "[z, b, z]")]
    [InlineData("array_repeat('x', 0)", "[]")]
    [InlineData("array_pop_back([])", "[]")]
    [InlineData("array_positions([1, 2], 5)", "[]")]
    [InlineData("trim_array([1, 2, 3], 2)", "[1]")]
    [InlineData("array_reverse(NULL)", "NULL")]
    // series: range leaves out the stop, generate_series includes it.
    [InlineData("range(4)", "[0, 1, 2, 3]")]
    [InlineData("range(1, 10, 3)", "[1, 4, 7]")]
    [InlineData("range(5, 1, -2)", "[5, 3]")]
    [InlineData("generate_series(5, 1, -2)", "[5, 3, 1]")]
    [InlineData("range(3, 1)", "[]")]
    [InlineData("array_length(range(DATE '1992-09-01', DATE '1993-03-01', INTERVAL '1' MONTH))", "6")]
    [InlineData("array_length(generate_series(TIMESTAMP '2024-01-01 00:00:00', TIMESTAMP '2024-01-01 01:00:00', INTERVAL '15 minutes'))", "5")]
    // string_to_array: a NULL delimiter splits characters; the third argument names the NULL string.
    [InlineData("string_to_array('a,b,c', ',')", "[a, b, c]")]
    [InlineData("string_to_array('abc', NULL)", "[a, b, c]")]
    [InlineData("string_to_array('abc', '')", "[abc]")]
    [InlineData("string_to_list('a,-,c', ',', '-')", "[a, NULL, c]")]
    [InlineData("string_to_array('', ',')", "[]")]
    public void DataFusion_semantics(string sql, string expected) => Assert.Equal(expected, Eval(sql));

    [Fact]
    public void Result_types_follow_DataFusion()
    {
        Assert.Equal(DataType.List(DataType.UInt64), TypeOf("array_dims([1])"));
        Assert.Equal(DataType.UInt64, TypeOf("array_ndims([1])"));
        Assert.Equal(DataType.UInt64, TypeOf("cardinality([1])"));
        Assert.Equal(DataType.List(DataType.UInt64), TypeOf("array_positions([1], 1)"));
        Assert.Equal(DataType.List(DataType.Float64), TypeOf("array_union([1], [2.5])"));
        Assert.Equal(DataType.Float64, TypeOf("array_distance([1], [2])"));
        Assert.Equal(DataType.List(DataType.Int64), TypeOf("flatten([[1]])"));
    }

    [Theory]
    [InlineData("array_slice([1, 2], 1, 2, 0)", "stride cannot be 0")]
    [InlineData("array_sort([1], 'UP')", "must be 'ASC' or 'DESC'")]
    [InlineData("array_distance([1, 2], [1])", "same length")]
    [InlineData("range(1, 5, 0)", "step cannot be 0")]
    [InlineData("array_resize([1], -1)", "must not be negative")]
    [InlineData("array_union([1], 'x')", "no signature of function 'array_union'")]
    [InlineData("array_reverse(1)", "accepted: array_reverse(ARRAY)")]
    public void Bad_input_is_a_clear_error(string sql, string message) => Assert.Contains(message, Error(sql));

    [Theory]
    [InlineData("list_append")] [InlineData("list_push_back")] [InlineData("array_push_back")] [InlineData("list_cat")]
    [InlineData("list_concat")] [InlineData("list_dims")] [InlineData("list_distinct")] [InlineData("list_element")]
    [InlineData("list_extract")] [InlineData("list_except")] [InlineData("list_has")] [InlineData("list_has_all")]
    [InlineData("list_indexof")] [InlineData("list_intersect")] [InlineData("list_join")] [InlineData("list_length")]
    [InlineData("list_ndims")] [InlineData("list_prepend")] [InlineData("list_push_front")] [InlineData("array_push_front")]
    [InlineData("list_pop_back")] [InlineData("list_pop_front")] [InlineData("list_position")] [InlineData("list_positions")]
    [InlineData("list_remove")] [InlineData("list_remove_n")] [InlineData("list_remove_all")] [InlineData("list_repeat")]
    [InlineData("list_replace")] [InlineData("list_replace_n")] [InlineData("list_replace_all")] [InlineData("list_resize")]
    [InlineData("list_reverse")] [InlineData("list_to_string")] [InlineData("list_union")] [InlineData("make_list")]
    [InlineData("list_empty")] [InlineData("list_max")] [InlineData("list_min")] [InlineData("list_any_value")] [InlineData("list_distance")]
    public void List_aliases_are_registered(string name) => Assert.True(TestFunctions.Scalar.IsScalarFunction(name));
}
