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
/// and its children share one validity bitmap (a null struct has null fields; when only one
/// kind of event is produced, its struct has no bitmap at all). Every struct's datetime is
/// the event time, so they share the <c>_timestamp</c> array.
/// What the query does not read (<see cref="ColumnUsage"/> from the planner) is not
/// generated: an unread struct is a placeholder, an unread text field is not copied, and the
/// random draws of an unread bid field are skipped without being computed (the generator's
/// state is a counter, so skipping k draws lands where drawing them would). Every field
/// that is generated has the same value as in a full run.
/// With <c>reuseBuffers</c> (the source's <see cref="Execution.OperatorContext.SourceBuffersReusable"/>:
/// nothing reads a batch after it was emitted) each batch is written into the arrays of the one
/// before: at 500 rows a batch is ~100 KB of fresh memory otherwise, and q0 allocated ~200 B per
/// event, which at -p 2 kept both subtasks stopping for a collection every couple of MB.
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
    private readonly int _kindsProduced;
    // The kind of the event numbered (count + 1) ≡ j (mod 50) in a split, which depends only on
    // j and the split's first event id: see KindsByNumber.
    private Kind[] _kinds = [];
    private ulong _kindsFirstEventId = ulong.MaxValue;
    private readonly bool _reuse;
    // The last batch's arrays, written again by the next batch when _reuse is set.
    private long[] _timestamps = [];
    private PersonColumns? _personColumns;
    private AuctionColumns? _auctionColumns;
    private BidColumns? _bidColumns;

    public NexmarkBatchBuilder(Schema output, ColumnUsage? usage = null, bool reuseBuffers = false)
    {
        _output = output;
        _reuse = reuseBuffers;
        _person = UsageOf("person");
        _auction = UsageOf("auction");
        _bid = UsageOf("bid");
        if (usage?.RowsWithAnyNonNull is { } needed)
        {
            _produces[(int)Kind.Person] = needed.Contains(output.IndexOf("person"));
            _produces[(int)Kind.Auction] = needed.Contains(output.IndexOf("auction"));
            _produces[(int)Kind.Bid] = needed.Contains(output.IndexOf("bid"));
        }
        _kindsProduced = _produces.Count(p => p);

        FieldUsage? UsageOf(string name)
        {
            var index = output.IndexOf(name);
            return index < 0 ? null : usage is null ? FieldUsage.All : usage.Columns[index];
        }
    }

    /// <summary>The next <paramref name="events"/> events of the split, as rows (fewer when some kinds are not produced).</summary>
    public Batch Generate(NexmarkSplit split, int events)
    {
        var kinds = KindsByNumber(split.FirstEventId);
        var first = split.Count;
        var n = events;
        if (_kindsProduced < 3)
        {
            n = 0;
            for (var i = 0; i < events; i++) if (_produces[(int)kinds[(int)((first + 1 + (ulong)i) % OutOfOrderGroupSize)]]) n++;
        }
        // Every slot up to n is written below (rows not produced are never allocated).
        var timestamps = _reuse && _timestamps.Length >= n ? _timestamps : _timestamps = GC.AllocateUninitializedArray<long>(n);
        var person = _person is null ? null : _personColumns = Reusable(_personColumns, n) ?? new PersonColumns(n, _person, HasValidity(Kind.Person));
        var auction = _auction is null ? null : _auctionColumns = Reusable(_auctionColumns, n) ?? new AuctionColumns(n, _auction, HasValidity(Kind.Auction));
        var bid = _bid is null ? null : _bidColumns = Reusable(_bidColumns, n) ?? new BidColumns(n, _bid, HasValidity(Kind.Bid));
        person?.Start(n, ValidityFor(Kind.Person, n));
        auction?.Start(n, ValidityFor(Kind.Auction, n));
        bid?.Start(n, ValidityFor(Kind.Bid, n));
        var row = 0;
        for (var i = 0; i < events; i++)
        {
            var count = first + (ulong)i;
            var kind = kinds[(int)((count + 1) % OutOfOrderGroupSize)];
            if (!_produces[(int)kind]) continue;
            var adjusted = AdjustedEventNumber(count);
            var eventId = split.FirstEventId + adjusted;
            var timestamp = split.BaseTime + split.InterEventDelay * (long)adjusted;
            var random = EventRandom.ForEvent(eventId);
            timestamps[row] = timestamp;
            switch (kind)
            {
                case Kind.Person: person?.Add(row, eventId, ref random); break;
                case Kind.Auction: auction?.Add(row, eventId, timestamp, split, count, ref random); break;
                default: bid?.Add(row, eventId, ref random); break;
            }
            person?.Close(row, kind);
            auction?.Close(row, kind);
            bid?.Close(row, kind);
            row++;
        }
        split.Count += (ulong)events;

        var columns = new Column[_output.Count];
        for (var c = 0; c < columns.Length; c++)
        {
            var type = _output[c].Type;
            columns[c] = _output[c].Name switch
            {
                "person" => person?.Build(type, timestamps) ?? PlaceholderColumns.Of(type, n),
                "auction" => auction?.Build(type, timestamps) ?? PlaceholderColumns.Of(type, n),
                "bid" => bid?.Build(type, timestamps) ?? PlaceholderColumns.Of(type, n),
                Schema.TimestampFieldName => new PrimitiveColumn<long>(DataType.Timestamp, timestamps, n),
                var other => throw new InvalidOperationException($"nexmark has no column '{other}' (this is a bug)"),
            };
        }
        return new Batch(_output, columns, n);
    }

    /// <summary>The last batch's columns of a kind when they may be written again and hold <paramref name="rows"/>.</summary>
    private T? Reusable<T>(T? last, int rows) where T : StructColumns => _reuse && last is not null && last.Capacity >= rows ? last : null;

    /// <summary>
    /// How many events to generate for at most <paramref name="rows"/> rows: any 50 consecutive
    /// events of a split hold each kind the same number of times (1, 3, 46), so whole periods of
    /// 50 give an exact bound. When the query keeps only persons and auctions (4 in 50), a poll
    /// of one batch size of events would make batches a twelfth full, and every batch costs a
    /// hand-over to the next thread.
    /// </summary>
    public int EventsFor(int rows)
    {
        if (_kindsProduced == 3) return rows;
        var perPeriod = (int)((_produces[(int)Kind.Person] ? PersonProportion : 0) + (_produces[(int)Kind.Auction] ? AuctionProportion : 0)
            + (_produces[(int)Kind.Bid] ? BidProportion : 0));
        // Fewer rows than one period holds: one event per row is the safe bound.
        return perPeriod == 0 || rows < perPeriod ? rows : rows / perPeriod * (int)OutOfOrderGroupSize;
    }

    /// <summary>
    /// The validity of a struct's rows: none (all valid) when it is the only kind produced, all
    /// clear when it is not produced at all (a reader of its fields sees NULLs), else set per row.
    /// </summary>
    private Bitmap? ValidityFor(Kind kind, int rows) => HasValidity(kind) ? new Bitmap(rows) : null;

    private bool HasValidity(Kind kind) => !(_produces[(int)kind] && _kindsProduced == 1);

    /// <summary>
    /// An event's id is the split's first id plus its adjusted number, and the adjusted number
    /// of number m (count + 1) is ⌊m/50⌋·50 + (953·m mod 50): modulo 50 (which decides the kind)
    /// it depends only on m mod 50. So the kinds repeat every 50 events of a split.
    /// </summary>
    private Kind[] KindsByNumber(ulong firstEventId)
    {
        if (_kindsFirstEventId == firstEventId) return _kinds;
        var kinds = new Kind[OutOfOrderGroupSize];
        for (var j = 0UL; j < OutOfOrderGroupSize; j++) kinds[j] = KindOf(firstEventId + AdjustedEventNumber(j + OutOfOrderGroupSize - 1));
        _kinds = kinds;
        _kindsFirstEventId = firstEventId;
        return kinds;
    }

    /// <summary>
    /// A struct field's values. Rows of other kinds are never written, so when there are any
    /// (<paramref name="zeroed"/>: the struct has a validity bitmap) the array starts zeroed, as
    /// nulls' slots always were (and is cleared again before it is reused); an unread field gets
    /// no array (its column is a placeholder).
    /// </summary>
    private static long[] Values(int rows, bool zeroed, bool read = true) =>
        !read ? [] : zeroed ? new long[rows] : GC.AllocateUninitializedArray<long>(rows);

    private static Column Int64(long[] values, bool read, int rows, Bitmap? validity) =>
        read ? new PrimitiveColumn<long>(DataType.Int64, values, rows, validity) : PlaceholderColumns.Of(DataType.Int64, rows);

    /// <summary>Whether field <paramref name="index"/> of a struct is read.</summary>
    private static bool Reads(FieldUsage usage, int index) => usage.Field(index) is not null;

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
            // Offsets[0] stays 0: Close writes only the ends of rows.
            Offsets = enabled ? new int[rows + 1] : [];
            // Uninitialised: only the bytes up to _length are ever read.
            _data = enabled ? GC.AllocateUninitializedArray<byte>(Math.Max(64, rows * bytesPerRow)) : [];
        }

        public int[] Offsets { get; }

        /// <summary>Starts a batch in the same arrays (the last one's bytes are overwritten; a grown buffer is kept).</summary>
        public void Reset() => _length = 0;

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

        public Column Build(Bitmap? validity, int rows) =>
            _enabled ? new StringColumn(DataType.Utf8, _data, Offsets, rows, validity) : PlaceholderColumns.Of(DataType.Utf8, rows);

        private void Grow(int extra)
        {
            var grown = GC.AllocateUninitializedArray<byte>(Math.Max(_data.Length * 2, _length + extra));
            _data.AsSpan(0, _length).CopyTo(grown);
            _data = grown;
        }
    }

    /// <summary>
    /// One struct's columns under construction, for up to <see cref="Capacity"/> rows. Each batch
    /// starts with <see cref="Start"/>; with buffer reuse the same instance writes batch after batch.
    /// </summary>
    private abstract class StructColumns(int capacity, bool zeroed)
    {
        private bool _written;

        public int Capacity => capacity;

        protected int Rows { get; private set; }

        protected Bitmap? Validity { get; private set; }

        public void Start(int rows, Bitmap? validity)
        {
            // Slots of other kinds' rows are never written: a reused array gets its zeroes back.
            if (_written && zeroed) ClearValues(rows);
            if (_written) ResetTexts();
            _written = true;
            Rows = rows;
            Validity = validity;
        }

        protected abstract void ClearValues(int rows);

        protected abstract void ResetTexts();
    }

    private sealed class PersonColumns(int capacity, FieldUsage usage, bool zeroed) : StructColumns(capacity, zeroed)
    {
        private readonly long[] _id = Values(capacity, zeroed);
        private readonly TextBuffer _name = new(capacity, 0, Reads(usage, 1));
        private readonly TextBuffer _email = new(capacity, 0, Reads(usage, 2));
        private readonly TextBuffer _card = new(capacity, 0, Reads(usage, 3));
        private readonly TextBuffer _city = new(capacity, 0, Reads(usage, 4));
        private readonly TextBuffer _state = new(capacity, 0, Reads(usage, 5));
        private readonly TextBuffer _extra = new(capacity, 0, Reads(usage, 7));

        protected override void ClearValues(int rows) => Array.Clear(_id, 0, rows);

        protected override void ResetTexts()
        {
            _name.Reset();
            _email.Reset();
            _card.Reset();
            _city.Reset();
            _state.Reset();
            _extra.Reset();
        }

        public void Add(int row, ulong eventId, ref EventRandom random)
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
            var size = 8 + name.Length + emailLength + 19 + city.Length + state.Length;
            _extra.Append(Slice(ref random, AvgPersonByteSize - size));
        }

        /// <summary>Ends row <paramref name="row"/> (an event of <paramref name="kind"/>; rows of other kinds stay empty).</summary>
        public void Close(int row, Kind kind)
        {
            if (kind == Kind.Person) Validity?.Set(row);
            _name.Close(row);
            _email.Close(row);
            _card.Close(row);
            _city.Close(row);
            _state.Close(row);
            _extra.Close(row);
        }

        public Column Build(DataType type, long[] timestamps)
        {
            var (n, validity) = (Rows, Validity);
            Column[] children =
            [
                new PrimitiveColumn<long>(DataType.Int64, _id, n, validity), _name.Build(validity, n), _email.Build(validity, n),
                _card.Build(validity, n), _city.Build(validity, n), _state.Build(validity, n),
                new PrimitiveColumn<long>(DataType.Timestamp, timestamps, n, validity), _extra.Build(validity, n),
            ];
            return new StructColumn(type, children, n, validity);
        }
    }

    private sealed class AuctionColumns(int capacity, FieldUsage usage, bool zeroed) : StructColumns(capacity, zeroed)
    {
        private readonly long[] _id = Values(capacity, zeroed);
        private readonly TextBuffer _description = new(capacity, 0, Reads(usage, 1));
        private readonly TextBuffer _itemName = new(capacity, 0, Reads(usage, 2));
        private readonly long[] _initialBid = Values(capacity, zeroed);
        private readonly long[] _reserve = Values(capacity, zeroed);
        private readonly long[] _expires = Values(capacity, zeroed);
        private readonly long[] _seller = Values(capacity, zeroed);
        private readonly long[] _category = Values(capacity, zeroed);
        private readonly TextBuffer _extra = new(capacity, 0, Reads(usage, 9));

        protected override void ClearValues(int rows)
        {
            foreach (var values in (ReadOnlySpan<long[]>)[_id, _initialBid, _reserve, _expires, _seller, _category]) Array.Clear(values, 0, rows);
        }

        protected override void ResetTexts()
        {
            _description.Reset();
            _itemName.Reset();
            _extra.Reset();
        }

        public void Add(int row, ulong eventId, long timestamp, NexmarkSplit split, ulong count, ref EventRandom random)
        {
            _id[row] = LastBase0AuctionId(eventId) + FirstAuctionId;
            _seller[row] = Seller(eventId, ref random);
            _category[row] = Category(ref random);
            var initialBid = NextPrice(ref random);
            _initialBid[row] = initialBid;
            _expires[row] = timestamp + AuctionLength(split, count, timestamp, ref random);
            var name = RandomString(ref random, 3, 20);
            var description = RandomString(ref random, 3, 100);
            _itemName.Append(name);
            _description.Append(description);
            _reserve[row] = initialBid + NextPrice(ref random);
            var size = 8 + name.Length + description.Length + 8 + 8 + 8 + 8 + 8;
            _extra.Append(Slice(ref random, AvgAuctionByteSize - size));
        }

        /// <summary>Ends row <paramref name="row"/>; a row of another kind keeps whatever its unwritten slots hold, under a clear validity bit.</summary>
        public void Close(int row, Kind kind)
        {
            if (kind == Kind.Auction) Validity?.Set(row);
            _description.Close(row);
            _itemName.Close(row);
            _extra.Close(row);
        }

        public Column Build(DataType type, long[] timestamps)
        {
            var (n, validity) = (Rows, Validity);
            Column[] children =
            [
                new PrimitiveColumn<long>(DataType.Int64, _id, n, validity), _description.Build(validity, n), _itemName.Build(validity, n),
                new PrimitiveColumn<long>(DataType.Int64, _initialBid, n, validity), new PrimitiveColumn<long>(DataType.Int64, _reserve, n, validity),
                new PrimitiveColumn<long>(DataType.Timestamp, timestamps, n, validity), new PrimitiveColumn<long>(DataType.Timestamp, _expires, n, validity),
                new PrimitiveColumn<long>(DataType.Int64, _seller, n, validity), new PrimitiveColumn<long>(DataType.Int64, _category, n, validity),
                _extra.Build(validity, n),
            ];
            return new StructColumn(type, children, n, validity);
        }
    }

    private sealed class BidColumns(int capacity, FieldUsage usage, bool zeroed) : StructColumns(capacity, zeroed)
    {
        private readonly bool _readsAuction = Reads(usage, 0);
        private readonly bool _readsBidder = Reads(usage, 1);
        private readonly bool _readsPrice = Reads(usage, 2);
        private readonly long[] _auction = Values(capacity, zeroed, Reads(usage, 0));
        private readonly long[] _bidder = Values(capacity, zeroed, Reads(usage, 1));
        private readonly long[] _price = Values(capacity, zeroed, Reads(usage, 2));
        private readonly bool _readsChannelOrUrl = Reads(usage, 3) || Reads(usage, 4);
        private readonly bool _readsExtra = Reads(usage, 6);
        // Sized above the averages (channel ~9 bytes, url ~62): a buffer that must grow mid-batch
        // costs a second allocation and a copy of everything written so far.
        private readonly TextBuffer _channel = new(capacity, 12, Reads(usage, 3));
        private readonly TextBuffer _url = new(capacity, 72, Reads(usage, 4));
        private readonly TextBuffer _extra = new(capacity, BidExtraLength, Reads(usage, 6));

        // The reference sizes a bid's extra by the person size (200 - 32 bytes); kept for comparable volumes.
        private const int BidExtraLength = AvgPersonByteSize - 32;

        protected override void ClearValues(int rows)
        {
            // Unread fields have empty arrays.
            foreach (var values in (ReadOnlySpan<long[]>)[_auction, _bidder, _price]) Array.Clear(values, 0, Math.Min(rows, values.Length));
        }

        protected override void ResetTexts()
        {
            _channel.Reset();
            _url.Reset();
            _extra.Reset();
        }

        // The draws, in order: auction (1, or 2 when not hot), bidder (likewise), price (1),
        // channel (2), extra (1). An unread field's draws are skipped, except the one deciding
        // how many there are.
        public void Add(int row, ulong eventId, ref EventRandom random)
        {
            if (_readsAuction) _auction[row] = BidAuction(eventId, ref random);
            else if (random.Below(ConfigHotAuctionRatio) == 0) random.Skip(1);
            if (_readsBidder) _bidder[row] = Bidder(eventId, ref random);
            else if (random.Below(ConfigHotBiddersRatio) == 0) random.Skip(1);
            if (_readsPrice) _price[row] = NextPrice(ref random);
            else random.Skip(1);
            if (_readsChannelOrUrl) AddChannel(ref random);
            else random.Skip(2);
            if (_readsExtra) _extra.Append(Slice(ref random, BidExtraLength));
        }

        private void AddChannel(ref EventRandom random)
        {
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
        }

        public void Close(int row, Kind kind)
        {
            if (kind == Kind.Bid) Validity?.Set(row);
            _channel.Close(row);
            _url.Close(row);
            _extra.Close(row);
        }

        public Column Build(DataType type, long[] timestamps)
        {
            var (n, validity) = (Rows, Validity);
            Column[] children =
            [
                Int64(_auction, _readsAuction, n, validity), Int64(_bidder, _readsBidder, n, validity),
                Int64(_price, _readsPrice, n, validity), _channel.Build(validity, n), _url.Build(validity, n),
                new PrimitiveColumn<long>(DataType.Timestamp, timestamps, n, validity), _extra.Build(validity, n),
            ];
            return new StructColumn(type, children, n, validity);
        }
    }
}
