using System.Text.Json;
using Arroyo.Core;
using Arroyo.Formats;
using BenchmarkDotNet.Attributes;

namespace Arroyo.Bench.Micro;

/// <summary>
/// One batch of NDJSON nexmark bids (written by the engine's own json encoder, as the
/// single_file sink writes them; ~250 bytes a record) decoded by the json format's
/// <see cref="RecordDecoder"/> into a batch, against a bare <see cref="Utf8JsonReader"/>
/// pass over the same records (every token read, numbers parsed, strings left as spans):
/// the floor for any JSON decoder. Line splitting is done once in setup for both.
/// </summary>
[Rows(Data.BatchRows)]
public class JsonBenchmarks
{
    private byte[] _text = null!;
    private int[] _lineStarts = null!;
    private RecordDecoder _decoder = null!;

    [GlobalSetup]
    public void Setup()
    {
        var bids = Data.NexmarkBids(Data.BatchRows);
        var buffer = new ByteBuffer();
        RecordEncoder.Create(new FormatSettings(FormatKind.Json), Data.BidSchema).Encode(bids, buffer);
        _text = buffer.Written.ToArray();
        var starts = new List<int> { 0 };
        for (var i = 0; i < _text.Length; i++)
        {
            if (_text[i] == (byte)'\n') starts.Add(i + 1);
        }
        _lineStarts = starts.ToArray();
        if (_lineStarts.Length != Data.BatchRows + 1) throw new InvalidOperationException($"expected {Data.BatchRows} lines, got {_lineStarts.Length - 1}");
        Console.WriteLine($"// {_text.Length} bytes of NDJSON, {(double)_text.Length / Data.BatchRows:F1} bytes per record");
        _decoder = RecordDecoder.Create(new FormatSettings(FormatKind.Json), Data.BidSchema);
        if (Decode().RowCount != Data.BatchRows) throw new InvalidOperationException("the decoder dropped records");
    }

    private ReadOnlySpan<byte> Line(int i) => _text.AsSpan(_lineStarts[i], _lineStarts[i + 1] - _lineStarts[i] - 1);

    [Benchmark]
    public Batch Decode()
    {
        for (var i = 0; i < Data.BatchRows; i++)
        {
            if (!_decoder.TryDecode(Line(i), out var error)) throw new InvalidOperationException(error);
        }
        return _decoder.Flush(0)!;
    }

    [Benchmark]
    public long BareReaderScan()
    {
        long checksum = 0;
        for (var i = 0; i < Data.BatchRows; i++)
        {
            var reader = new Utf8JsonReader(Line(i));
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.Number:
                        checksum += reader.GetInt64();
                        break;
                    case JsonTokenType.String:
                    case JsonTokenType.PropertyName:
                        checksum += reader.ValueSpan.Length;
                        break;
                }
            }
        }
        return checksum;
    }
}
