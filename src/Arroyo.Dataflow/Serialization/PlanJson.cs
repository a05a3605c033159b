using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Arroyo.Dataflow.Serialization;

/// <summary>
/// The plan as JSON (System.Text.Json, source-generated): a <see cref="DataflowGraph"/> or one
/// <see cref="OperatorSpec"/> to JSON and back. Polymorphic members (the spec of a node, a
/// connector's config) carry a <c>"$kind"</c> discriminator; the kinds are registered by the
/// projects that define them (this one registers its own specs, the connector SDK its source
/// and sink specs, each connector its config), so a plug-in adds its types without this
/// project knowing them. Members computed from others (e.g. a spec's <c>OutputSchema</c>) are
/// left out. The output is canonical: equal plans give equal text, which is what spec equality
/// for shared subplans compares.
/// </summary>
public sealed class PlanJson
{
    private readonly JsonSerializerOptions _options;
    private readonly JsonSerializerOptions _indented;

    private PlanJson(JsonSerializerOptions options)
    {
        _options = options;
        _indented = new JsonSerializerOptions(options) { WriteIndented = true };
        _options.MakeReadOnly(populateMissingResolver: false);
        _indented.MakeReadOnly(populateMissingResolver: false);
    }

    /// <summary>A builder that knows this project's specs; add the other projects' kinds to it.</summary>
    public static Builder CreateBuilder() => new();

    public string Serialize(DataflowGraph graph, bool indented = false) =>
        JsonSerializer.Serialize(graph, Info<DataflowGraph>(indented));

    public DataflowGraph DeserializeGraph(string json) =>
        JsonSerializer.Deserialize(json, Info<DataflowGraph>(false)) ?? throw new JsonException("the plan JSON is null");

    public string Serialize(OperatorSpec spec, bool indented = false) =>
        JsonSerializer.Serialize(spec, Info<OperatorSpec>(indented));

    public OperatorSpec DeserializeSpec(string json) =>
        JsonSerializer.Deserialize(json, Info<OperatorSpec>(false)) ?? throw new JsonException("the spec JSON is null");

    /// <summary>Serialises a value of a type some registered context knows (e.g. a column usage for EXPLAIN).</summary>
    public string Serialize<T>(T value) => JsonSerializer.Serialize(value, Info<T>(false));

    private JsonTypeInfo<T> Info<T>(bool indented) =>
        (JsonTypeInfo<T>)(indented ? _indented : _options).GetTypeInfo(typeof(T));

    public sealed class Builder
    {
        private readonly List<IJsonTypeInfoResolver> _resolvers = [DataflowJsonContext.Default];
        private readonly Dictionary<Type, List<JsonDerivedType>> _derived = [];

        internal Builder()
        {
            AddDerived<OperatorSpec, Specs.ProjectionSpec>("projection");
            AddDerived<OperatorSpec, Specs.FilterSpec>("filter");
            AddDerived<OperatorSpec, Specs.WatermarkSpec>("watermark");
            AddDerived<OperatorSpec, Specs.TumblingAggregateSpec>("tumbling_aggregate");
            AddDerived<OperatorSpec, Specs.SlidingAggregateSpec>("sliding_aggregate");
            AddDerived<OperatorSpec, Specs.PartialAggregateSpec>("partial_aggregate");
            AddDerived<OperatorSpec, Specs.SessionAggregateSpec>("session_aggregate");
            AddDerived<OperatorSpec, Specs.UpdatingAggregateSpec>("updating_aggregate");
            AddDerived<OperatorSpec, Specs.WindowFunctionSpec>("window_function");
            AddDerived<OperatorSpec, Specs.UnnestSpec>("unnest");
            AddDerived<OperatorSpec, Specs.WindowedJoinSpec>("windowed_join");
            AddDerived<OperatorSpec, Specs.WindowMaxRowsSpec>("window_max_rows");
            AddDerived<OperatorSpec, Specs.UpdatingJoinSpec>("updating_join");
            AddDerived<OperatorSpec, Specs.LookupJoinSpec>("lookup_join");
            AddDerived<OperatorSpec, Specs.UpdatingTopNSpec>("updating_top_n");
        }

        /// <summary>A source-generated context (or other resolver) that knows the types added below.</summary>
        public Builder AddResolver(IJsonTypeInfoResolver resolver)
        {
            if (!_resolvers.Contains(resolver)) _resolvers.Add(resolver);
            return this;
        }

        /// <summary>Registers <typeparamref name="TDerived"/> as the <paramref name="kind"/> of the polymorphic <typeparamref name="TBase"/>.</summary>
        public Builder AddDerived<TBase, TDerived>(string kind) where TDerived : TBase
        {
            if (!_derived.TryGetValue(typeof(TBase), out var list)) _derived[typeof(TBase)] = list = [];
            // Two connectors sharing one config type (kafka and confluent) register the same pair.
            if (list.Any(d => Equals(d.TypeDiscriminator, kind) && d.DerivedType == typeof(TDerived))) return this;
            if (list.Any(d => Equals(d.TypeDiscriminator, kind) || d.DerivedType == typeof(TDerived)))
            {
                throw new InvalidOperationException($"{typeof(TBase).Name} kind '{kind}' ({typeof(TDerived).Name}) is registered twice");
            }
            list.Add(new JsonDerivedType(typeof(TDerived), kind));
            return this;
        }

        public PlanJson Build()
        {
            var derived = _derived.ToDictionary(p => p.Key, p => p.Value.ToArray());
            var resolver = JsonTypeInfoResolver.Combine(_resolvers.ToArray()).WithAddedModifier(info => Shape(info, derived));
            return new PlanJson(new JsonSerializerOptions
            {
                TypeInfoResolver = resolver,
                PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
                DictionaryKeyPolicy = null,
            });
        }

        private static void Shape(JsonTypeInfo info, Dictionary<Type, JsonDerivedType[]> derived)
        {
            if (derived.TryGetValue(info.Type, out var kinds))
            {
                info.PolymorphismOptions = new JsonPolymorphismOptions
                {
                    TypeDiscriminatorPropertyName = "$kind",
                    UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization,
                };
                foreach (var kind in kinds) info.PolymorphismOptions.DerivedTypes.Add(kind);
            }
            if (info.Kind != JsonTypeInfoKind.Object) return;
            // Computed members (a spec's OutputSchema, a schema's TimestampIndex, an edge's Keys)
            // are not data: leave out every property nothing sets.
            for (var i = info.Properties.Count - 1; i >= 0; i--)
            {
                var property = info.Properties[i];
                if (property.Set is null && property.AssociatedParameter is null) info.Properties.RemoveAt(i);
            }
        }
    }
}
