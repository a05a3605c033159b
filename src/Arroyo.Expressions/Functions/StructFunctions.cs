using Arroyo.Core.Columns;
using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Kernels;

namespace Arroyo.Expressions.Functions;

/// <summary>named_struct, struct (fields c0, c1, … as DataFusion), get_field.</summary>
internal static class StructFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.AddCustom("named_struct", "named_struct(TEXT, ANY, ...)", (args, span) =>
        {
            if (args.Count == 0 || args.Count % 2 != 0) throw new UserException("named_struct requires an even number of arguments (name, value, ...)", span);
            var fields = new List<Field>();
            var values = new List<BoundExpr>();
            for (var i = 0; i < args.Count; i += 2)
            {
                if (args[i] is not Literal { Value: string name }) throw new UserException("named_struct field names must be constant strings", args[i].Span.IsKnown ? args[i].Span : span);
                fields.Add(new Field(name, args[i + 1].Type, args[i + 1].Nullable));
                values.Add(args[i + 1]);
            }
            // Only the values are kept as arguments; the names live in the type.
            return (values.ToArray(), DataType.Struct(fields));
        }, StructKernel);
        r.AddCustom("struct", "struct(ANY, ...)", (args, span) =>
        {
            if (args.Count == 0) throw new UserException("struct requires at least one argument", span);
            return (args.ToArray(), DataType.Struct(args.Select((a, i) => new Field($"c{i}", a.Type, a.Nullable)).ToArray()));
        }, StructKernel);
        r.Alias("row", "struct");
        r.AddCustom("get_field", "get_field(STRUCT, TEXT)", (args, span) =>
        {
            if (args.Count != 2 || args[0].Type.Kind != TypeKind.Struct || args[1] is not Literal { Value: string name })
            {
                throw new UserException("get_field expects a struct and a constant field name", span);
            }
            var index = args[0].Type.FieldIndex(name);
            if (index < 0) throw new UserException($"struct has no field '{name}'.{Suggestions.DidYouMean(name, args[0].Type.Fields.Select(f => f.Name))}", span);
            return ([args[0], Literal.Of((long)index)], args[0].Type.Fields[index].Type);
        }, (bound, ret) =>
        {
            var index = (int)(long)((Literal)bound[1]).Value!;
            return Fn.Kernel((args, n) =>
            {
                if (args[0] is not StructColumn s) return NullColumns.Of(ret, n);
                var child = s.Children[index];
                return s.Validity is null ? child : NullColumns.WithValidity(child, Bitmap.AndValidity(s.Validity, child.Validity));
            });
        });
    }

    // The field columns are the argument columns themselves: no copying.
    private static readonly ScalarKernelFactory StructKernel = (_, ret) =>
        Fn.Kernel((args, n) => new StructColumn(ret, args.ToArray(), n));
}
