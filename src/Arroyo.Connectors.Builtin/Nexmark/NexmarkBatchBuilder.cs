using System.Globalization;
using System.Text;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Core;
using Arroyo.Dataflow;
using static Arroyo.Connectors.Builtin.Nexmark.NexmarkGenerator;

namespace Arroyo.Connectors.Builtin.Nexmark;

/// <summary>
/// Generates consecutive events of a split straight into column arrays: one pass fills the
/// fields of whichever struct each event is; the two others are null in that row. A struct
/// and its children share one validity bitmap (a null struct has null fields).
/// What the query does not read (<see cref="ColumnUsage"/> from the planner) is not
/// generated: an unread struct is a placeholder, an unread text field is not copied and an
/// unread price skips its Math.Pow. The random draws are the same either way, so every field
/// that is generated has the same value as in a full run.
/// </summary>
internal sealed class NexmarkBatchBuilder
{
    private static readonly byte[]?[] s_channels = new byte[ChannelsNumber][];
    private static readonly byte[]?[] s_channelUrls = new byte[ChannelsNumber][];

    private readonly Schema _output;
    private readonly FieldUsage? _person;
    private readonly FieldUsage? _auction;
    private readonly FieldUsage? _bid;
    // Kinds of event whose rows are produced: when every reader filters on `bid IS NOT NULL`
    // (and the like), the other kinds' rows would only be dropped, so they are skipped here.
    // Each event's fields come from its own random sequence, so skipping changes no value.
    private readonly bool[] _produces = [true, true, true];
    private readonly bool _producesAll;

    public NexmarkBatchBuilder(Schema output, ColumnUsage? usage = null)
    {
        _output = output;
        _person = UsageOf("person");
        _auction = UsageOf("auction");
        _bid = UsageOf("bid");
        if (usage?.RowsWithAnyNonNull is { } needed)
        {
            _produces[(int)Kind.Person] = needed.Contains(output.IndexOf("person"));
            _produces[(int)Kind.Auction] = needed.Contains(output.IndexOf("auction"));
            _produces[(int)Kind.Bid] = needed.Contains(output.IndexOf("bid"));
        }
        _producesAll = _produces.All(p => p);

        FieldUsage? UsageOf(string name)
        {
            var index = output.IndexOf(name);
            return index < 0 ? null : usage is null ? FieldUsage.All : usage.Columns[index];
        }
    }

    /// <summary>The next <paramref name="events"/> events of the split, as rows (fewer when some kinds are not produced).</summary>
    public Batch Generate(NexmarkSplit split, int events)
    {
        var n = _producesAll ? events : 0;
        for (var i = 0; i < events && !_producesAll; i++)
        {
            if (_produces[(int)KindOf(split.FirstEventId + AdjustedEventNumber(split.Count + (ulong)i))]) n++;
        }
        var timestamps = new long[n];
        var kinds = new Kind[n];
        var person = _person is null ? null : new PersonColumns(n, _person);
        var auction = _auction is null ? null : new AuctionColumns(n, _auction);
        var bid = _bid is null ? null : new BidColumns(n, _bid);
        var row = 0;
        for (var i = 0; i < events; i++)
        {
            var count = split.Count + (ulong)i;
            var adjusted = AdjustedEventNumber(count);
            var eventId = split.FirstEventId + adjusted;
            var kind = KindOf(eventId);
            if (!_produces[(int)kind]) continue;
            var timestamp = split.BaseTime + split.InterEventDelay * (long)adjusted;
            var random = EventRandom.ForEvent(eventId);
            timestamps[row] = timestamp;
            kinds[row] = kind;
            switch (kind)
            {
                case Kind.Person: person?.Add(row, eventId, timestamp, ref random); break;
                case Kind.Auction: auction?.Add(row, eventId, timestamp, split, count, ref random); break;
                default: bid?.Add(row, eventId, timestamp, ref random); break;
            }
            person?.Close(row);
            auction?.Close(row);
            bid?.Close(row);
            row++;
        }
        split.Count += (ulong)events;

        var columns = new Column[_output.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            var type = _output[c].Type;
            columns[c] = _output[c].Name switch
            {
                "person" => person?.Build(type, kinds, Kind.Person) ?? PlaceholderColumns.Of(type, n),
                "auction" => auction?.Build(type, kinds, Kind.Auction) ?? PlaceholderColumns.Of(type, n),
                "bid" => bid?.Build(type, kinds, Kind.Bid) ?? PlaceholderColumns.Of(type, n),
                Schema.TimestampFieldName => new PrimitiveColumn<long>(DataType.Timestamp, timestamps),
                var other => throw new InvalidOperationException($"nexmark has no column '{other}' (this is a bug)"),
            };
        }
        return new Batch(_output, columns, n);
    }

    /// <summary>Whether field <paramref name="index"/> of a struct is read.</summary>
    private static bool Reads(FieldUsage usage, int index) => usage.Field(index) is not null;

    private static Bitmap Validity(Kind[] kinds, Kind kind)
    {
        var bitmap = new Bitmap(kinds.Length);
        for (var i = 0; i < kinds.Length; i++)
        {
            if (kinds[i] == kind) bitmap.Set(i);
        }
        return bitmap;
    }

    private static (byte[] Channel, byte[] Url) Channel(int channel)
    {
        var name = Volatile.Read(ref s_channels[channel]);
        var url = Volatile.Read(ref s_channelUrls[channel]);
        if (name is not null && url is not null) return (name, url);
        // Deterministic per channel, so a benign race computes the same bytes twice.
        var random = new EventRandom(0xC4A77E1UL + (ulong)channel * 0x9E3779B97F4A7C15UL);
        var text = new StringBuilder("https://www.nexmark.com/");
        text.Append(Encoding.ASCII.GetString(RandomString(ref random, 3, 5))).Append('/');
        text.Append(Encoding.ASCII.GetString(RandomString(ref random, 3, 5))).Append('/');
        text.Append(Encoding.ASCII.GetString(RandomString(ref random, 3, 5))).Append("/item.htm?query=1");
        if (random.Below(10) > 0) text.Append("&channel_id=").Append(channel.ToString(CultureInfo.InvariantCulture));
        name = Encoding.ASCII.GetBytes("channel-" + channel.ToString(CultureInfo.InvariantCulture));
        url = Encoding.ASCII.GetBytes(text.ToString());
        Volatile.Write(ref s_channels[channel], name);
        Volatile.Write(ref s_channelUrls[channel], url);
        return (name, url);
    }

    /// <summary>
    /// A text child column under construction: bytes plus one offset per row. An unread one
    /// (<c>enabled</c> false) copies nothing and builds a placeholder.
    /// </summary>
    private sealed class TextBuffer
    {
        private static readonly byte[] s_scratch = new byte[64];
        private readonly bool _enabled;
        private byte[] _data;
        private int _length;

        public TextBuffer(int rows, int bytesPerRow, bool enabled = true)
        {
            _enabled = enabled;
            Offsets = enabled ? new int[rows + 1] : [];
            // Uninitialised: only the bytes up to _length are ever read.
            _data = enabled ? GC.AllocateUninitializedArray<byte>(Math.Max(64, rows * bytesPerRow)) : [];
        }

        public int[] Offsets { get; }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            if (!_enabled) return;
            if (_length + bytes.Length > _data.Length) Grow(bytes.Length);
            bytes.CopyTo(_data.AsSpan(_length));
            _length += bytes.Length;
        }

        public Span<byte> Reserve(int count)
        {
            if (!_enabled) return s_scratch.AsSpan(0, count); // written and never read
            if (_length + count > _data.Length) Grow(count);
            var span = _data.AsSpan(_length, count);
            _length += count;
            return span;
        }

        public void Close(int row)
        {
            if (_enabled) Offsets[row + 1] = _length;
        }

        public Column Build(Bitmap validity, int rows) =>
            _enabled ? new StringColumn(DataType.Utf8, _data, Offsets, rows, validity) : PlaceholderColumns.Of(DataType.Utf8, rows);

        private void Grow(int extra)
        {
            var grown = GC.AllocateUninitializedArray<byte>(Math.Max(_data.Length * 2, _length + extra));
            _data.AsSpan(0, _length).CopyTo(grown);
            _data = grown;
        }
    }

    private sealed class PersonColumns(int n, FieldUsage usage)
    {
        private readonly long[] _id = new long[n];
        private readonly TextBuffer _name = new(n, 0, Reads(usage, 1));
        private readonly TextBuffer _email = new(n, 0, Reads(usage, 2));
        private readonly TextBuffer _card = new(n, 0, Reads(usage, 3));
        private readonly TextBuffer _city = new(n, 0, Reads(usage, 4));
        private readonly TextBuffer _state = new(n, 0, Reads(usage, 5));
        private readonly long[] _datetime = new long[n];
        private readonly TextBuffer _extra = new(n, 0, Reads(usage, 7));

        public void Add(int row, ulong eventId, long timestamp, ref EventRandom random)
        {
            _id[row] = LastBase0PersonId(eventId) + FirstPersonId;
            var name = Names[random.Below((ulong)Names.Length)];
            _name.Append(name);
            var user = RandomString(ref random, 3, 7);
            _email.Append(user);
            _email.Append("@"u8);
            var domain = RandomString(ref random, 3, 5);
            _email.Append(domain);
            _email.Append(".com"u8);
            var emailLength = user.Length + 1 + domain.Length + 4;
            var card = _card.Reserve(19);
            for (var group = 0; group < 4; group++)
            {
                var value = (int)random.Below(10_000);
                for (var d = 3; d >= 0; d--)
                {
                    card[group * 5 + d] = (byte)('0' + value % 10);
                    value /= 10;
                }
                if (group < 3) card[group * 5 + 4] = (byte)' ';
            }
            var city = Cities[random.Below((ulong)Cities.Length)];
            var state = States[random.Below((ulong)States.Length)];
            _city.Append(city);
            _state.Append(state);
            _datetime[row] = timestamp;
            var size = 8 + name.Length + emailLength + 19 + city.Length + state.Length;
            _extra.Append(Slice(ref random, AvgPersonByteSize - size));
        }

        public void Close(int row)
        {
            _name.Close(row);
            _email.Close(row);
            _card.Close(row);
            _city.Close(row);
            _state.Close(row);
            _extra.Close(row);
        }

        public Column Build(DataType type, Kind[] kinds, Kind kind)
        {
            var validity = Validity(kinds, kind);
            Column[] children =
            [
                new PrimitiveColumn<long>(DataType.Int64, _id, validity), _name.Build(validity, n), _email.Build(validity, n),
                _card.Build(validity, n), _city.Build(validity, n), _state.Build(validity, n),
                new PrimitiveColumn<long>(DataType.Timestamp, _datetime, validity), _extra.Build(validity, n),
            ];
            return new StructColumn(type, children, kinds.Length, validity);
        }
    }

    private sealed class AuctionColumns(int n, FieldUsage usage)
    {
        private readonly long[] _id = new long[n];
        private readonly TextBuffer _description = new(n, 0, Reads(usage, 1));
        private readonly TextBuffer _itemName = new(n, 0, Reads(usage, 2));
        private readonly long[] _initialBid = new long[n];
        private readonly long[] _reserve = new long[n];
        private readonly long[] _datetime = new long[n];
        private readonly long[] _expires = new long[n];
        private readonly long[] _seller = new long[n];
        private readonly long[] _category = new long[n];
        private readonly TextBuffer _extra = new(n, 0, Reads(usage, 9));

        public void Add(int row, ulong eventId, long timestamp, NexmarkSplit split, ulong count, ref EventRandom random)
        {
            _id[row] = LastBase0AuctionId(eventId) + FirstAuctionId;
            _seller[row] = Seller(eventId, ref random);
            _category[row] = Category(ref random);
            var initialBid = NextPrice(ref random);
            _initialBid[row] = initialBid;
            _datetime[row] = timestamp;
            _expires[row] = timestamp + AuctionLength(split, count, timestamp, ref random);
            var name = RandomString(ref random, 3, 20);
            var description = RandomString(ref random, 3, 100);
            _itemName.Append(name);
            _description.Append(description);
            _reserve[row] = initialBid + NextPrice(ref random);
            var size = 8 + name.Length + description.Length + 8 + 8 + 8 + 8 + 8;
            _extra.Append(Slice(ref random, AvgAuctionByteSize - size));
        }

        public void Close(int row)
        {
            _description.Close(row);
            _itemName.Close(row);
            _extra.Close(row);
        }

        public Column Build(DataType type, Kind[] kinds, Kind kind)
        {
            var validity = Validity(kinds, kind);
            Column[] children =
            [
                new PrimitiveColumn<long>(DataType.Int64, _id, validity), _description.Build(validity, n), _itemName.Build(validity, n),
                new PrimitiveColumn<long>(DataType.Int64, _initialBid, validity), new PrimitiveColumn<long>(DataType.Int64, _reserve, validity),
                new PrimitiveColumn<long>(DataType.Timestamp, _datetime, validity), new PrimitiveColumn<long>(DataType.Timestamp, _expires, validity),
                new PrimitiveColumn<long>(DataType.Int64, _seller, validity), new PrimitiveColumn<long>(DataType.Int64, _category, validity),
                _extra.Build(validity, n),
            ];
            return new StructColumn(type, children, kinds.Length, validity);
        }
    }

    private sealed class BidColumns(int n, FieldUsage usage)
    {
        private readonly long[] _auction = new long[n];
        private readonly long[] _bidder = new long[n];
        private readonly long[] _price = new long[n];
        private readonly bool _readsPrice = Reads(usage, 2);
        // Sized above the averages (channel ~9 bytes, url ~62): a buffer that must grow mid-batch
        // costs a second allocation and a copy of everything written so far.
        private readonly TextBuffer _channel = new(n, 12, Reads(usage, 3));
        private readonly TextBuffer _url = new(n, 72, Reads(usage, 4));
        private readonly long[] _datetime = new long[n];
        private readonly TextBuffer _extra = new(n, AvgPersonByteSize - 32, Reads(usage, 6));

        public void Add(int row, ulong eventId, long timestamp, ref EventRandom random)
        {
            _auction[row] = BidAuction(eventId, ref random);
            _bidder[row] = Bidder(eventId, ref random);
            if (_readsPrice) _price[row] = NextPrice(ref random);
            else random.Next(); // the draw NextPrice makes, without its Math.Pow
            if (random.Below(2) > 0)
            {
                var i = (int)random.Below((ulong)HotChannels.Length);
                _channel.Append(HotChannels[i]);
                _url.Append(HotUrls[i]);
            }
            else
            {
                var (channel, url) = Channel((int)random.Below(ChannelsNumber));
                _channel.Append(channel);
                _url.Append(url);
            }
            _datetime[row] = timestamp;
            // The reference sizes a bid's extra by the person size (200 - 32 bytes); kept for comparable volumes.
            _extra.Append(Slice(ref random, AvgPersonByteSize - 32));
        }

        public void Close(int row)
        {
            _channel.Close(row);
            _url.Close(row);
            _extra.Close(row);
        }

        public Column Build(DataType type, Kind[] kinds, Kind kind)
        {
            var validity = Validity(kinds, kind);
            Column[] children =
            [
                new PrimitiveColumn<long>(DataType.Int64, _auction, validity), new PrimitiveColumn<long>(DataType.Int64, _bidder, validity),
                new PrimitiveColumn<long>(DataType.Int64, _price, validity), _channel.Build(validity, n), _url.Build(validity, n),
                new PrimitiveColumn<long>(DataType.Timestamp, _datetime, validity), _extra.Build(validity, n),
            ];
            return new StructColumn(type, children, kinds.Length, validity);
        }
    }
}
