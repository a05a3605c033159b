using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Kernels;

namespace Arroyo.Expressions.Functions;

/// <summary>
/// DataFusion's map functions. A MAP value is a list of (key, value) entries
/// (<see cref="DataType.Map"/>); keys are non-NULL and unique, entries keep their order.
/// </summary>
internal static class MapFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.AddCustom("map", "map(ARRAY of keys, ARRAY of values) or map(key, value)", (args, span) =>
        {
            if (args.Count != 2) throw new UserException($"function 'map' takes 2 arguments (keys and values), got {args.Count}; make_map(k1, v1, k2, v2, ...) takes pairs", span);
            var lists = args[0].Type.Kind == TypeKind.List && args[1].Type.Kind == TypeKind.List;
            var key = lists ? args[0].Type.Element! : args[0].Type;
            var value = lists ? args[1].Type.Element! : args[1].Type;
            return (args.ToArray(), DataType.Map(KeyType(key), value.Kind == TypeKind.Null ? DataType.Int64 : value));
        }, (bound, ret) =>
        {
            var lists = bound[0].Type.Kind == TypeKind.List && bound[1].Type.Kind == TypeKind.List;
            return Fn.Rows(a =>
            {
                if (!lists) return Build([a[0]], [a[1]]);
                if (a[0] is null) return null;
                var (keys, values) = ((object?[])a[0]!, a[1] as object?[] ?? []);
                if (keys.Length != values.Length) throw new DataException($"map: {keys.Length} keys but {values.Length} values");
                return Build(keys, values);
            }, nullsIn: true)(bound, ret);
        });
        r.AddCustom("make_map", "make_map(key, value, ...)", (args, span) =>
        {
            if (args.Count == 0 || args.Count % 2 != 0) throw new UserException($"make_map takes key, value pairs, got {args.Count} argument(s)", span);
            var key = Coercion.CommonType(args.Where((_, i) => i % 2 == 0).Select(a => a.Type))
                      ?? throw new UserException("make_map: the keys have no common type", span);
            var value = Coercion.CommonType(args.Where((_, i) => i % 2 == 1).Select(a => a.Type))
                        ?? throw new UserException("make_map: the values have no common type", span);
            key = KeyType(key);
            if (value.Kind == TypeKind.Null) value = DataType.Int64;
            return (args.Select((a, i) => Coercion.CastTo(a, i % 2 == 0 ? key : value)).ToArray(), DataType.Map(key, value));
        }, Fn.Rows(a => Build(a.Where((_, i) => i % 2 == 0).ToArray(), a.Where((_, i) => i % 2 == 1).ToArray()), nullsIn: true));
        r.AddCustom("map_extract", "map_extract(MAP, key)", (args, span) =>
        {
            var map = RequireMap(args, 2, "map_extract", span);
            var key = map.Type.Element!.Fields[0].Type;
            return ([map, Coercion.CastTo(args[1], key)], DataType.List(map.Type.Element.Fields[1].Type));
        }, Fn.Rows(a =>
        {
            // A list holding the key's value, empty when the key is absent (DataFusion).
            foreach (var entry in Entries(a[0])) if (ValueComparer.Instance.Compare(entry[0], a[1]) == 0) return new[] { entry[1] };
            return Array.Empty<object?>();
        }));
        r.Alias("element_at", "map_extract");
        r.AddCustom("map_keys", "map_keys(MAP)", (args, span) =>
        {
            var map = RequireMap(args, 1, "map_keys", span);
            return ([map], DataType.List(map.Type.Element!.Fields[0].Type));
        }, Fn.Rows(a => Entries(a[0]).Select(e => e[0]).ToArray()));
        r.AddCustom("map_values", "map_values(MAP)", (args, span) =>
        {
            var map = RequireMap(args, 1, "map_values", span);
            return ([map], DataType.List(map.Type.Element!.Fields[1].Type));
        }, Fn.Rows(a => Entries(a[0]).Select(e => e[1]).ToArray()));
        r.AddCustom("map_entries", "map_entries(MAP)", (args, span) =>
        {
            var map = RequireMap(args, 1, "map_entries", span);
            return ([map], DataType.List(map.Type.Element!));
        }, Fn.Rows(a => a[0]));
    }

    private static DataType KeyType(DataType key) =>
        key.Kind == TypeKind.Null ? throw new UserException("map keys cannot be NULL") : key;

    private static BoundExpr RequireMap(IReadOnlyList<BoundExpr> args, int count, string name, SourceSpan span)
    {
        if (args.Count != count || !args[0].Type.IsMap)
        {
            throw new UserException($"no signature of function '{name}' accepts ({string.Join(", ", args.Select(a => a.Type))}); accepted: {name}(MAP{(count == 2 ? ", key" : "")})", span);
        }
        return args[0];
    }

    private static IEnumerable<object?[]> Entries(object? map) => ((object?[])map!).Cast<object?[]>();

    private static object?[] Build(object?[] keys, object?[] values)
    {
        var seen = new HashSet<object?>(ValueComparer.Instance);
        var entries = new object?[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            if (keys[i] is null) throw new DataException("map key cannot be null");
            if (!seen.Add(keys[i])) throw new DataException($"map key must be unique, duplicate key found: {keys[i]}");
            entries[i] = new[] { keys[i], values[i] };
        }
        return entries;
    }
}
