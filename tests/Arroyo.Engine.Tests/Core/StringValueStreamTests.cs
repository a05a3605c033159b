using Arroyo.Core.Columns;
using Arroyo.Core.Types;

namespace Arroyo.Engine.Tests.Core;

/// <summary>
/// <see cref="StringValueStream"/>: what a BinaryWriter writes between Begin and End is one value
/// of the builder, beside values appended whole and nulls, across the builder's growth and its
/// reuse after Build.
/// </summary>
public sealed class StringValueStreamTests
{
    [Fact]
    public void WritesEachValueIntoTheBuilderInPieces()
    {
        var builder = (StringColumnBuilder)ColumnBuilder.Create(DataType.Binary, 2);
        var stream = new StringValueStream();
        var writer = new BinaryWriter(stream);
        for (var round = 0; round < 2; round++)
        {
            var expected = new List<byte[]?>();
            for (var i = 0; i < 40; i++)
            {
                switch (i % 4)
                {
                    case 0:
                        builder.AppendNull();
                        expected.Add(null);
                        break;
                    case 1:
                        builder.Append([(byte)i, 7]);
                        expected.Add([(byte)i, 7]);
                        break;
                    default:
                        // Pieces of every size the writer hands over: a byte, an int, a span bigger than the buffer so far.
                        var big = Enumerable.Range(0, 100 * i).Select(b => (byte)(b * 31 + round)).ToArray();
                        var bytes = new MemoryStream();
                        var reference = new BinaryWriter(bytes);
                        stream.Begin(builder);
                        foreach (var w in new[] { writer, reference })
                        {
                            w.Write((byte)i);
                            w.Write(i * 1_000_003);
                            w.Write(big);
                            w.Flush();
                        }
                        Assert.Equal(bytes.Length, stream.End());
                        expected.Add(bytes.ToArray());
                        break;
                }
            }
            var column = (StringColumn)builder.Build();
            Assert.Equal(expected.Count, column.Length);
            for (var i = 0; i < expected.Count; i++)
            {
                if (expected[i] is null) Assert.True(column.IsNull(i));
                else Assert.Equal(expected[i], column.GetBytes(i).ToArray());
            }
        }
    }

    [Fact]
    public void RefusesWritesOutsideAValue()
    {
        var stream = new StringValueStream();
        Assert.Throws<InvalidOperationException>(() => stream.WriteByte(1));
        stream.Begin((StringColumnBuilder)ColumnBuilder.Create(DataType.Binary));
        Assert.Throws<InvalidOperationException>(() => stream.Begin((StringColumnBuilder)ColumnBuilder.Create(DataType.Binary)));
    }
}
