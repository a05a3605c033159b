namespace Arroyo.Expressions.Bound;

/// <summary>Infix operators of <see cref="BinaryExpr"/>.</summary>
public enum BinaryOp
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    /// <summary>SQL three-valued AND: false AND NULL = false.</summary>
    And,
    /// <summary>SQL three-valued OR: true OR NULL = true.</summary>
    Or,
    /// <summary><c>||</c> on text (NULL if either side is NULL, as DataFusion's operator).</summary>
    Concat,
    IsDistinctFrom,
    IsNotDistinctFrom,
    Like,
    NotLike,
    ILike,
    NotILike,
    /// <summary><c>~</c></summary>
    RegexMatch,
    /// <summary><c>~*</c></summary>
    RegexIMatch,
    /// <summary><c>!~</c></summary>
    RegexNotMatch,
    /// <summary><c>!~*</c></summary>
    RegexNotIMatch,
    /// <summary><c>-&gt;</c>: JSON member/element as JSON text (JSON <c>null</c> when missing).</summary>
    JsonGet,
    /// <summary><c>-&gt;&gt;</c>: JSON member/element as TEXT.</summary>
    JsonGetText,
    BitwiseAnd,
    BitwiseOr,
    BitwiseXor,
    ShiftLeft,
    ShiftRight,
}

public static class BinaryOpExtensions
{
    public static string Symbol(this BinaryOp op) => op switch
    {
        BinaryOp.Add => "+",
        BinaryOp.Subtract => "-",
        BinaryOp.Multiply => "*",
        BinaryOp.Divide => "/",
        BinaryOp.Modulo => "%",
        BinaryOp.Equal => "=",
        BinaryOp.NotEqual => "!=",
        BinaryOp.Less => "<",
        BinaryOp.LessOrEqual => "<=",
        BinaryOp.Greater => ">",
        BinaryOp.GreaterOrEqual => ">=",
        BinaryOp.And => "AND",
        BinaryOp.Or => "OR",
        BinaryOp.Concat => "||",
        BinaryOp.IsDistinctFrom => "IS DISTINCT FROM",
        BinaryOp.IsNotDistinctFrom => "IS NOT DISTINCT FROM",
        BinaryOp.Like => "LIKE",
        BinaryOp.NotLike => "NOT LIKE",
        BinaryOp.ILike => "ILIKE",
        BinaryOp.NotILike => "NOT ILIKE",
        BinaryOp.RegexMatch => "~",
        BinaryOp.RegexIMatch => "~*",
        BinaryOp.RegexNotMatch => "!~",
        BinaryOp.RegexNotIMatch => "!~*",
        BinaryOp.JsonGet => "->",
        BinaryOp.JsonGetText => "->>",
        BinaryOp.BitwiseAnd => "&",
        BinaryOp.BitwiseOr => "|",
        BinaryOp.BitwiseXor => "#",
        BinaryOp.ShiftLeft => "<<",
        BinaryOp.ShiftRight => ">>",
        _ => op.ToString(),
    };

    public static bool IsComparison(this BinaryOp op) => op is >= BinaryOp.Equal and <= BinaryOp.GreaterOrEqual;
}
