using System.Globalization;
using System.Text;
using Arroyo.Expressions.Bound;

namespace Arroyo.Expressions.Compilation;

/// <summary>
/// A text that two bound expressions share exactly when they compute the same thing over the
/// same input (spans and display names ignored), so repeated sub-expressions can be evaluated
/// once. Null for nodes it does not describe (CASE, IN, literals other than plain scalars):
/// those are never treated as equal.
/// </summary>
internal static class ExprKey
{
    public static string? Of(BoundExpr expr)
    {
        var text = new StringBuilder();
        return Append(text, expr) ? text.ToString() : null;
    }

    private static bool Append(StringBuilder text, BoundExpr expr)
    {
        switch (expr)
        {
            case ColumnRef c:
                text.Append('#').Append(c.Index).Append(':').Append(c.Type);
                return true;
            case Literal { Value: null } l:
                text.Append("null:").Append(l.Type);
                return true;
            case Literal { Value: string s } l:
                // Length first, so no text inside the string can look like the end of it.
                text.Append("'").Append(l.Type).Append(':').Append(s.Length).Append(':').Append(s);
                return true;
            case Literal { Value: long or int or short or sbyte or ulong or uint or ushort or byte or bool } l:
                text.Append("lit:").Append(l.Type).Append(':').Append(Convert.ToString(l.Value, CultureInfo.InvariantCulture));
                return true;
            case ScalarCall call when !call.Function.IsVolatile:
                text.Append(call.Function.Signature);
                return Children(text, call.Args);
            case CastExpr c:
                text.Append(c.IsTry ? "try_cast:" : "cast:").Append(c.Target);
                return Children(text, [c.Input]);
            case UnaryExpr u:
                text.Append("unary:").Append(u.Op).Append(':').Append(u.Type);
                return Children(text, [u.Input]);
            case BinaryExpr b:
                text.Append("binary:").Append(b.Op).Append(':').Append(b.Type);
                return Children(text, [b.Left, b.Right]);
            case FieldAccess f:
                text.Append("field:").Append(f.FieldIndex);
                return Children(text, [f.Struct]);
            default:
                return false;
        }
    }

    private static bool Children(StringBuilder text, IReadOnlyList<BoundExpr> children)
    {
        text.Append('(');
        foreach (var child in children)
        {
            if (!Append(text, child)) return false;
            text.Append(',');
        }
        text.Append(')');
        return true;
    }
}
