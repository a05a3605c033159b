using Arroyo.Core.Errors;
using Arroyo.Core.Types;
using Arroyo.Expressions.Bound;
using Arroyo.Expressions.Functions;

namespace Arroyo.Expressions.Binding;

/// <summary>
/// The scalar functions by SQL name (case-insensitive). <see cref="BindCall"/> resolves the
/// overload, casts the arguments, computes the return type and folds constant calls; the call
/// it returns holds a <see cref="FunctionRef"/> (name and resolved signature), which
/// <see cref="Resolve"/> turns back into the implementation when a subtask compiles it.
/// An instance travels with the plan's options and the run's settings (inside a
/// <see cref="FunctionLibrary"/>); user functions are added to that same instance.
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
        public bool UserDefined { get; set; }
        public Dictionary<Overload, ScalarFunction> Functions { get; } = [];
    }

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>A new registry holding every built-in scalar function.</summary>
    public static FunctionRegistry CreateBuiltins()
    {
        var r = new FunctionRegistry();
        BuiltinFunctions.RegisterAll(r);
        return r;
    }

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
            call = new ScalarCall(new FunctionRef(entry.Name, castArgs.Select(a => a.Type).ToArray(), ret, entry.Volatile), castArgs, ret, true, span);
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
            var returns = best.ReturnType(bestTypes!);
            call = new ScalarCall(new FunctionRef(entry.Name, bestTypes!, returns, entry.Volatile), castArgs, returns, true, span);
        }
        return call.IsConstant && call.Children.Any() ? Coercion.Fold(call, span, this) : call;
    }

    /// <summary>
    /// The implementation of a call bound by this registry (or by one holding the same
    /// functions): the overload of <see cref="FunctionRef.Name"/> that accepts exactly the
    /// referenced argument types and returns the referenced type.
    /// </summary>
    public ScalarFunction Resolve(FunctionRef function)
    {
        if (!_entries.TryGetValue(function.Name, out var entry))
        {
            throw new UserException($"function '{function.Name}' is not registered in this engine (the plan calls {function.Signature})");
        }
        if (entry.Binder is not null) return entry.CustomFunction!;
        foreach (var o in entry.Overloads)
        {
            var types = o.Match(function.Arguments);
            if (types is not null && types.SequenceEqual(function.Arguments) && o.ReturnType(types) == function.Returns) return GetFunction(entry, o);
        }
        throw new UserException($"no overload of function '{function.Name}' matches {function.Signature}; accepted: {string.Join(", ", Signatures(function.Name))}");
    }

    /// <summary>
    /// Adds (or replaces) a user-defined scalar function taking exactly <paramref name="arguments"/>
    /// (arguments are cast to them). Without <paramref name="implementation"/> it plans but fails
    /// when a subtask builds its kernel. A volatile function (one with effects, such as an async
    /// lookup) is never constant-folded while planning.
    /// </summary>
    public FunctionRegistry AddUser(string name, IReadOnlyList<DataType> arguments, DataType returns, ScalarKernelFactory? implementation = null,
        bool isVolatile = false)
    {
        var parameters = arguments.ToArray();
        var signature = $"{name}({string.Join(", ", parameters.Select(a => a.ToString()))})";
        AddCustom(name, signature, (args, span) =>
        {
            if (args.Count != parameters.Length)
            {
                throw new UserException($"function '{name}' takes {parameters.Length} arguments but {args.Count} were given", span);
            }
            return (args.Select((a, i) => Coercion.CastTo(a, parameters[i])).ToArray(), returns);
        }, implementation ?? ((_, _) => throw new UserException($"user-defined function '{name}' has no implementation registered in this engine")),
            isVolatile);
        _entries[name].UserDefined = true;
        return this;
    }

    /// <summary>True when <paramref name="name"/> is a built-in function no user function replaced (the compiler may then fuse its calls).</summary>
    internal bool IsBuiltin(string name) => _entries.TryGetValue(name, out var entry) && !entry.UserDefined;

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

    internal void AddCustom(string name, string signature, CustomBinder binder, ScalarKernelFactory factory, bool isVolatile = false)
    {
        _entries[name] = new Entry(name)
        {
            Binder = binder,
            CustomFunction = new ScalarFunction(name, factory, isVolatile),
            CustomSignature = signature,
            Volatile = isVolatile,
        };
    }

    /// <summary>Registers <paramref name="alias"/> as another name for every overload of <paramref name="name"/>.</summary>
    internal void Alias(string alias, string name) => _entries[alias] = _entries[name];
}
