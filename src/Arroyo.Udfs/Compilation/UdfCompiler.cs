using System.Collections.Immutable;
using System.Text;
using Arroyo.Core.Errors;
using Arroyo.Udfs.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;

namespace Arroyo.Udfs.Compilation;

/// <summary>
/// Compiles every UDF source of a run with Roslyn into one in-memory assembly: the user's code,
/// checked (compile errors reported as user errors with file, line and column), its marked
/// methods found and mapped to SQL types, and the generated kernels and manifest
/// (<see cref="KernelWriter"/>) compiled beside them. Only this class touches Roslyn, so a run
/// that finds its assembly in the cache never loads the compiler.
/// </summary>
internal static class UdfCompiler
{
    private const int MaxErrorsShown = 10;
    private const string Attributes = "Arroyo.Udfs.";

    // What every UDF file may use without a using directive (a console project's implicit usings).
    private const string GlobalUsings = """
        global using global::System;
        global using global::System.Collections.Generic;
        global using global::System.IO;
        global using global::System.Linq;
        global using global::System.Net.Http;
        global using global::System.Text;
        global using global::System.Threading;
        global using global::System.Threading.Tasks;
        global using global::Arroyo.Udfs;
        """;

    /// <summary>The assembly (with its portable PDB embedded, so a UDF's exception names its source line).</summary>
    public static byte[] Compile(IReadOnlyList<UdfSource> sources, string assemblyName, string? query)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = sources
            .Select(s => CSharpSyntaxTree.ParseText(SourceText.From(s.Text, Encoding.UTF8), parse, path: s.Name))
            .Append(CSharpSyntaxTree.ParseText(SourceText.From(GlobalUsings, Encoding.UTF8), parse, path: "<implicit usings>"))
            .ToList();
        var compilation = CSharpCompilation.Create(assemblyName, trees, References(), new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            optimizationLevel: OptimizationLevel.Release,
            nullableContextOptions: NullableContextOptions.Enable,
            concurrentBuild: false));
        ThrowOnErrors(compilation.GetDiagnostics(), query, "");

        var methods = Discover(compilation, query);
        var generated = CSharpSyntaxTree.ParseText(SourceText.From(KernelWriter.Write(methods), Encoding.UTF8), parse, path: "<generated kernels>");
        compilation = compilation.AddSyntaxTrees(generated);
        ThrowOnErrors(compilation.GetDiagnostics(), query, "the code calling the UDFs does not compile: ");

        using var assembly = new MemoryStream();
        var embedded = sources.Select(s => EmbeddedText.FromSource(s.Name, SourceText.From(s.Text, Encoding.UTF8)));
        var result = compilation.Emit(assembly, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.Embedded),
            embeddedTexts: embedded);
        ThrowOnErrors(result.Diagnostics, query, "");
        return assembly.ToArray();
    }

    // The BCL as the host runs it (the trusted platform assemblies) plus the engine assemblies
    // the attributes and generated kernels live in.
    private static List<MetadataReference> References()
    {
        var paths = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetFileName(p) is var name && (name.StartsWith("System.", StringComparison.Ordinal) || name is "mscorlib.dll" or "netstandard.dll"))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var type in new[] { typeof(ScalarUdfAttribute), typeof(Core.Columns.Column), typeof(Expressions.ScalarKernel), typeof(UdfRegistration) })
        {
            paths.Add(type.Assembly.Location);
        }
        return paths.Order(StringComparer.Ordinal).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    }

    private static List<UdfMethod> Discover(CSharpCompilation compilation, string? query)
    {
        var methods = new List<UdfMethod>();
        var errors = new List<string>();
        SourceSpan firstSpan = default;
        foreach (var type in AllTypes(compilation.Assembly.GlobalNamespace))
        {
            foreach (var method in type.GetMembers().OfType<IMethodSymbol>())
            {
                var attribute = method.GetAttributes().FirstOrDefault(a => a.AttributeClass?.ToDisplayString() is
                    Attributes + nameof(ScalarUdfAttribute) or Attributes + nameof(AggregateUdfAttribute) or Attributes + nameof(AsyncUdfAttribute));
                if (attribute is null) continue;
                var problems = new List<(string Message, Location Location)>();
                var udf = Describe(method, attribute, problems);
                foreach (var (message, location) in problems)
                {
                    var (text, span) = Format(location, message, query);
                    errors.Add(text);
                    if (!firstSpan.IsKnown) firstSpan = span;
                }
                if (udf is not null && problems.Count == 0) methods.Add(udf);
            }
        }
        foreach (var duplicate in methods.GroupBy(m => m.SqlName, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            errors.Add($"UDF '{duplicate.Key}' is defined more than once: {string.Join(", ", duplicate.Select(m => m.Location))}");
        }
        if (errors.Count > 0) throw new UserException(Summary(errors, "C# UDFs are not usable: "), firstSpan);
        if (methods.Count == 0)
        {
            throw new UserException("the C# UDF sources define no function",
                hint: "mark a public static method with [ScalarUdf], [AggregateUdf] or [AsyncUdf] (namespace Arroyo.Udfs)");
        }
        return methods;
    }

    private static IEnumerable<INamedTypeSymbol> AllTypes(INamespaceSymbol ns)
    {
        foreach (var type in ns.GetTypeMembers())
        {
            foreach (var nested in Nested(type)) yield return nested;
        }
        foreach (var child in ns.GetNamespaceMembers())
        {
            foreach (var type in AllTypes(child)) yield return type;
        }
    }

    private static IEnumerable<INamedTypeSymbol> Nested(INamedTypeSymbol type) => type.GetTypeMembers().SelectMany(Nested).Prepend(type);

    private static UdfMethod? Describe(IMethodSymbol method, AttributeData attribute, List<(string, Location)> problems)
    {
        var kind = attribute.AttributeClass!.Name switch
        {
            nameof(AggregateUdfAttribute) => UdfKind.Aggregate,
            nameof(AsyncUdfAttribute) => UdfKind.Async,
            _ => UdfKind.Scalar,
        };
        var name = attribute.ConstructorArguments.FirstOrDefault().Value as string ?? method.Name;
        var here = method.Locations.FirstOrDefault() ?? Location.None;
        void Problem(string message, Location? at = null) => problems.Add(($"UDF '{name}': {message}", at ?? here));

        if (!method.IsStatic) Problem("the method must be static");
        if (method.IsGenericMethod) Problem("the method must not be generic");
        for (ISymbol? s = method; s is not null and not INamespaceSymbol; s = s.ContainingSymbol)
        {
            if (s.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal))
            {
                Problem($"{(SymbolEqualityComparer.Default.Equals(s, method) ? "the method" : $"its class '{s.Name}'")} must be public or internal");
                break;
            }
            if (s is INamedTypeSymbol { IsGenericType: true }) Problem($"its class '{s.Name}' must not be generic");
        }

        var parameters = new List<(string, UdfValueType)>();
        foreach (var p in method.Parameters)
        {
            var at = p.Locations.FirstOrDefault();
            if (p.RefKind != RefKind.None) Problem($"parameter '{p.Name}' must be passed by value (no ref, out or in)", at);
            var type = kind == UdfKind.Aggregate ? UdfValueType.ElementOf(p.Type) : UdfValueType.From(p.Type);
            if (type is null)
            {
                Problem(kind == UdfKind.Aggregate
                    ? $"parameter '{p.Name}' has type {p.Type.ToDisplayString()}; an aggregate UDF takes arrays (T[] or IReadOnlyList<T>) of: {UdfValueType.Supported}"
                    : $"parameter '{p.Name}' has type {p.Type.ToDisplayString()}, which UDFs do not support; supported: {UdfValueType.Supported}", at);
                continue;
            }
            parameters.Add((p.Name, type));
        }
        if (kind == UdfKind.Aggregate && method.Parameters.Length == 0) Problem("an aggregate UDF takes at least one array parameter");

        var returnType = method.ReturnType;
        var valueTask = false;
        if (kind == UdfKind.Async)
        {
            var definition = (returnType as INamedTypeSymbol)?.OriginalDefinition.ToDisplayString();
            if (definition is "System.Threading.Tasks.Task<TResult>" or "System.Threading.Tasks.ValueTask<TResult>")
            {
                valueTask = definition.StartsWith("System.Threading.Tasks.ValueTask", StringComparison.Ordinal);
                returnType = ((INamedTypeSymbol)returnType).TypeArguments[0];
            }
            else
            {
                Problem($"an async UDF returns Task<T> or ValueTask<T>, not {returnType.ToDisplayString()}");
                return null;
            }
        }
        var returns = UdfValueType.From(returnType);
        if (returns is null)
        {
            Problem($"returns {returnType.ToDisplayString()}, which UDFs do not support; supported: {UdfValueType.Supported}");
            return null;
        }

        var onError = UdfErrorPolicy.Fail;
        AsyncUdfOptions? options = kind == UdfKind.Async ? new AsyncUdfOptions(false, 1000, TimeSpan.FromSeconds(5)) : null;
        foreach (var (key, value) in attribute.NamedArguments)
        {
            switch (key)
            {
                case nameof(UdfAttribute.OnError): onError = (UdfErrorPolicy)(int)value.Value!; break;
                case nameof(AsyncUdfAttribute.Ordered): options = options! with { Ordered = (bool)value.Value! }; break;
                case nameof(AsyncUdfAttribute.AllowedInFlight):
                    var inFlight = (int)value.Value!;
                    if (inFlight < 1) Problem($"AllowedInFlight must be at least 1, not {inFlight}");
                    options = options! with { AllowedInFlight = inFlight };
                    break;
                case nameof(AsyncUdfAttribute.Timeout):
                    var text = value.Value as string ?? "";
                    if (ParseTimeout(text) is { } timeout) options = options! with { Timeout = timeout };
                    else Problem($"Timeout '{text}' is not a duration such as \"5s\", \"500ms\" or \"2m\"");
                    break;
            }
        }
        var target = method.ContainingType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat) + "." + Escape(method.Name);
        return new UdfMethod(name, kind, target, parameters, returns, Where(here), onError, options, valueTask);
    }

    private static string Escape(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(identifier) != SyntaxKind.None
            ? "@" + identifier
            : identifier;

    internal static TimeSpan? ParseTimeout(string text)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text.Trim(), @"^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$");
        if (!match.Success) return null;
        var amount = double.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var timeout = match.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(amount),
            "m" => TimeSpan.FromMinutes(amount),
            "h" => TimeSpan.FromHours(amount),
            _ => TimeSpan.FromSeconds(amount),
        };
        return timeout > TimeSpan.Zero ? timeout : null;
    }

    private static string Where(Location location)
    {
        var span = location.GetMappedLineSpan();
        return span.Path == QueryFunctions.QueryPath
            ? $"the query, line {span.StartLinePosition.Line + 1}"
            : $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})";
    }

    private static void ThrowOnErrors(ImmutableArray<Diagnostic> diagnostics, string? query, string prefix)
    {
        var errors = diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count == 0) return;
        var formatted = errors.Select(d => Format(d.Location, $"error {d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}", query)).ToList();
        throw new UserException(Summary(formatted.Select(f => f.Text).ToList(), prefix + "C# UDFs do not compile: "), formatted[0].Span);
    }

    private static string Summary(List<string> errors, string lead)
    {
        var shown = errors.Take(MaxErrorsShown).ToList();
        var text = errors.Count == 1 ? lead + shown[0] : lead + $"{errors.Count} errors\n" + string.Join("\n", shown);
        return errors.Count > MaxErrorsShown ? text + $"\n… and {errors.Count - MaxErrorsShown} more" : text;
    }

    // "file.cs(3,15): message" and the source line with a caret under the column; errors inside
    // a CREATE FUNCTION body are mapped (#line) to the query, where the CLI draws the caret.
    private static (string Text, SourceSpan Span) Format(Location location, string message, string? query)
    {
        if (!location.IsInSource) return (message, default);
        var mapped = location.GetMappedLineSpan();
        var line = mapped.StartLinePosition.Line + 1;
        var column = mapped.StartLinePosition.Character + 1;
        if (mapped.Path == QueryFunctions.QueryPath && query is not null)
        {
            return ($"line {line}, column {column}: {message}", QueryFunctions.SpanAt(query, line, column, location.SourceSpan.Length));
        }
        var sourceLine = location.SourceTree!.GetText().Lines[mapped.StartLinePosition.Line].ToString();
        var gutter = line.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var caret = new string(' ', Math.Min(mapped.StartLinePosition.Character, sourceLine.Length)) + "^";
        return ($"{mapped.Path}({line},{column}): {message}\n  {gutter} | {sourceLine.TrimEnd()}\n  {new string(' ', gutter.Length)} | {caret}", default);
    }
}
