using System.Text;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Formats.Json;

/// <summary>
/// One field the JSON reader fills: its UTF-8 name (precomputed so matching a key is a byte
/// comparison), its builder, and for structs the child slots that write into the struct
/// builder's children, for lists the element slot.
/// </summary>
internal sealed class JsonSlot
{
    /// <summary>
    /// A top-level text field the query never reads: its strings are checked but not copied
    /// (each row gets an empty string, or NULL), which spares copying long unread texts.
    /// </summary>
    public bool Unread { get; init; }

    public JsonSlot(Field field, ColumnBuilder builder)
    {
        Field = field;
        Name = Encoding.UTF8.GetBytes(field.Name);
        Builder = builder;
        Kind = field.Type.Kind;
        IsJson = field.Type.IsJson;
        switch (builder)
        {
            case StructColumnBuilder structBuilder:
                Children = field.Type.Fields.Select((f, i) => new JsonSlot(f, structBuilder.Children[i])).ToArray();
                Seen = new bool[Children.Length];
                break;
            case ListColumnBuilder listBuilder:
                Element = new JsonSlot(new Field("item", field.Type.Element!, true), listBuilder.Values);
                break;
        }
    }

    public Field Field { get; }

    public byte[] Name { get; }

    public ColumnBuilder Builder { get; }

    public TypeKind Kind { get; }

    public bool IsJson { get; }

    public JsonSlot[]? Children { get; }

    /// <summary>Which children the object being read has set (duplicate keys keep the first).</summary>
    public bool[]? Seen { get; }

    public JsonSlot? Element { get; }

    /// <summary>
    /// After a failure part-way through a row: closes any half-written nested value so that
    /// every builder is consistent again, then pads with nulls to <paramref name="count"/> rows.
    /// </summary>
    public static void Pad(ColumnBuilder builder, int count)
    {
        Complete(builder);
        while (builder.Count < count) builder.AppendNull();
    }

    private static void Complete(ColumnBuilder builder)
    {
        switch (builder)
        {
            case StructColumnBuilder s:
                foreach (var child in s.Children) Complete(child);
                if (s.Children.Any(c => c.Count > s.Count))
                {
                    foreach (var child in s.Children) Pad(child, s.Count + 1);
                    s.EndRow();
                }
                break;
            case ListColumnBuilder l:
                Complete(l.Values);
                break;
        }
    }
}
