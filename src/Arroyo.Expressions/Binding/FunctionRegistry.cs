using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Functions;

namespace Arroyo.Expressions.Binding;

/// <summary>
/// The scalar functions by SQL name (case-insensitive). <see cref="BindCall"/> resolves the
/// overload, casts the arguments, computes the return type and folds constant calls.
/// </summary>
public sealed class FunctionRegistry
{
    /// <summary>Binds arguments itself (polymorphic functions: coalesce, make_array, named_struct…); returns cast args and the return type.</summary>
    internal delegate (BoundExpr[] Args, DataType ReturnType) CustomBinder(IReadOnlyList<BoundExpr> args, SourceSpan span);

    private sealed class Entry(string name)
    {
        public string Name { get; } = name;
        public List<Overload> Overloads { get; } = [];
        public CustomBinder? Binder { get; set; }
        public ScalarFunction? CustomFunction { get; set; }
        public string? CustomSignature { get; set; }
        public bool Volatile { get; set; }
        public Dictionary<Overload, ScalarFunction> Functions { get; } = [];
    }

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);

    private static readonly Lazy<FunctionRegistry> s_default = new(CreateDefault);

    /// <summary>Every built-in scalar function.</summary>
    public static FunctionRegistry Default => s_default.Value;

    public bool IsScalarFunction(string name) => _entries.ContainsKey(name);

    public IEnumerable<string> Names => _entries.Keys.Order(StringComparer.Ordinal);

    /// <summary>The accepted signatures of <paramref name="name"/>, for messages and docs.</summary>
    public IReadOnlyList<string> Signatures(string name)
    {
        if (!_entries.TryGetValue(name, out var e)) return [];
        if (e.CustomSignature is not null) return [e.CustomSignature];
        return e.Overloads.Select(o => o.Describe(name.ToLowerInvariant())).ToArray();
    }

    public BoundExpr BindCall(string name, IReadOnlyList<BoundExpr> args, SourceSpan span = default)
    {
        if (!_entries.TryGetValue(name, out var entry))
        {
            var suggestion = Suggestions.DidYouMean(name, _entries.Keys);
            throw new UserException(suggestion.Length == 0 ? $"unknown function '{name}'" : $"unknown function '{name}'.{suggestion}", span);
        }
        BoundExpr call;
        if (entry.Binder is not null)
        {
            var (castArgs, ret) = entry.Binder(args, span);
            call = new ScalarCall(entry.CustomFunction!, castArgs, ret, true, span);
        }
        else
        {
            Overload? best = null;
            DataType[]? bestTypes = null;
            var bestCost = int.MaxValue;
            foreach (var o in entry.Overloads)
            {
                var types = o.Match(args);
                if (types is null) continue;
                var cost = Overload.Cost(args, types);
                if (cost < bestCost)
                {
                    best = o;
                    bestTypes = types;
                    bestCost = cost;
                }
            }
            if (best is null) throw WrongArguments(entry.Name, args, span);
            var castArgs = new BoundExpr[args.Count];
            for (var i = 0; i < castArgs.Length; i++) castArgs[i] = Coercion.CastTo(args[i], bestTypes![i]);
            var function = GetFunction(entry, best);
            call = new ScalarCall(function, castArgs, best.ReturnType(bestTypes!), true, span);
        }
        return call.IsConstant && call.Children.Any() ? Coercion.Fold(call, span) : call;
    }

    internal UserException WrongArguments(string name, IReadOnlyList<BoundExpr> args, SourceSpan span) =>
        new($"no signature of function '{name}' accepts ({string.Join(", ", args.Select(a => a.Type))}); accepted: {string.Join(", ", Signatures(name))}", span);

    private static ScalarFunction GetFunction(Entry entry, Overload o)
    {
        lock (entry.Functions)
        {
            if (!entry.Functions.TryGetValue(o, out var f))
            {
                f = new ScalarFunction(entry.Name, o.Factory, entry.Volatile);
                entry.Functions[o] = f;
            }
            return f;
        }
    }

    internal void Add(string name, Overload overload, bool isVolatile = false)
    {
        if (!_entries.TryGetValue(name, out var e)) _entries[name] = e = new Entry(name);
        e.Overloads.Add(overload);
        e.Volatile |= isVolatile;
    }

    internal void Add(string name, Param[] parameters, DataType returns, ScalarKernelFactory factory, int minArgs = -1, bool isVolatile = false) =>
        Add(name, new Overload(parameters, _ => returns, factory, minArgs: minArgs), isVolatile);

    internal void AddCustom(string name, string signature, CustomBinder binder, ScalarKernelFactory factory)
    {
        _entries[name] = new Entry(name)
        {
            Binder = binder,
            CustomFunction = new ScalarFunction(name, factory),
            CustomSignature = signature,
        };
    }

    /// <summary>Registers <paramref name="alias"/> as another name for every overload of <paramref name="name"/>.</summary>
    internal void Alias(string alias, string name) => _entries[alias] = _entries[name];

    private static FunctionRegistry CreateDefault()
    {
        var r = new FunctionRegistry();
        BuiltinFunctions.RegisterAll(r);
        return r;
    }
}
