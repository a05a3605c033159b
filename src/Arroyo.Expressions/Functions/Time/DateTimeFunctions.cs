using Arroyo.Core.Columns;
using Arroyo.Core.Time;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using Arroyo.Expressions.Casts;
using Arroyo.Expressions.Kernels;
using static Arroyo.Expressions.Binding.Param;

namespace Arroyo.Expressions.Functions;

/// <summary>Date/time functions over nanosecond timestamps (no zone; UTC calendar).</summary>
internal static class DateTimeFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.Add("now", [], DataType.Timestamp, (_, ret) => Fn.Kernel((_, n) => Column.Constant(ret, Timestamps.Now(), n)), isVolatile: true);
        r.Alias("current_timestamp", "now");
        r.Add("current_date", [], DataType.Date, (_, ret) => Fn.Kernel((_, n) =>
            Column.Constant(ret, (int)Timestamps.FloorDiv(Timestamps.Now(), IntervalValue.NanosPerDay), n)), isVolatile: true);
        r.Add("date_trunc", [Text, Timestamp], DataType.Timestamp, DateTrunc);
        r.Alias("datetrunc", "date_trunc");
        r.Add("date_bin", [Interval, Timestamp, Timestamp], DataType.Timestamp, Fn.Rows(a => DateBin((IntervalValue)a[0]!, (long)a[1]!, a.Length > 2 ? (long)a[2]! : 0)), minArgs: 2);
        r.AddCustom("date_part", "date_part(TEXT, TIMESTAMP)", (args, span) =>
        {
            if (args.Count != 2 || Text.Accept(args[0].Type) is not { } unitType || Timestamp.Accept(args[1].Type) is not { } tsType)
            {
                throw r.WrongArguments("date_part", args, span);
            }
            return ([Coercion.CastTo(args[0], unitType), Coercion.CastTo(args[1], tsType)], DatePartType(Fn.Const(args, 0) as string));
        }, DatePart);
        r.Alias("datepart", "date_part");
        r.Add("to_timestamp", [Text], DataType.Timestamp, ParseTimestamp);
        r.Add("to_timestamp", [BigInt], DataType.Timestamp, Scale(Timestamps.NanosPerSecond));
        r.Add("to_timestamp", [Float64], DataType.Timestamp, Fn.Rows(a => (long)Math.Round((double)a[0]! * Timestamps.NanosPerSecond)));
        foreach (var (name, unit) in new[] { ("to_timestamp_seconds", Timestamps.NanosPerSecond), ("to_timestamp_millis", Timestamps.NanosPerMilli), ("to_timestamp_micros", Timestamps.NanosPerMicro), ("to_timestamp_nanos", 1L) })
        {
            // DataFusion returns a timestamp of that unit, so text parses to it truncated (floored).
            r.Add(name, [Text], DataType.Timestamp, unit == 1 ? ParseTimestamp : (bound, ret) =>
            {
                var parse = ParseTimestamp(bound, ret);
                return Fn.Kernel((args, n) => parse.Invoke(args, n) is PrimitiveColumn<long> ts ? Truncate(ts, unit) : NullColumns.Of(ret, n));
            });
            r.Add(name, [BigInt], DataType.Timestamp, Scale(unit));
        }
        foreach (var (name, unit) in new[] { ("to_timestamp", 1L), ("to_timestamp_seconds", Timestamps.NanosPerSecond), ("to_timestamp_millis", Timestamps.NanosPerMilli), ("to_timestamp_micros", Timestamps.NanosPerMicro), ("to_timestamp_nanos", 1L) })
        {
            // (text, format, …): chrono formats tried in order, the first that reads the text wins.
            r.Add(name, new Overload([Text, Text], _ => DataType.Timestamp, Fn.Rows(a => ParseFormatted(name, a, unit)), variadic: true, minArgs: 2));
        }
        r.Add("from_unixtime", [BigInt], DataType.Timestamp, Scale(Timestamps.NanosPerSecond));
        r.Add("to_date", [Text], DataType.Date, Fn.Rows(a => TextParse.TryParseDate(System.Text.Encoding.UTF8.GetBytes((string)a[0]!), out var d) ? d : throw new DataException($"Cannot parse '{a[0]}' as a date")));
        r.Add("make_date", [BigInt, BigInt, BigInt], DataType.Date, Fn.Rows(a => MakeDate((long)a[0]!, (long)a[1]!, (long)a[2]!)));
        // DataFusion casts text arguments to integers ('2023', '01', '31').
        r.Add("make_date", [Text, Text, Text], DataType.Date, Fn.Rows(a => MakeDate(DatePartNumber(a[0]), DatePartNumber(a[1]), DatePartNumber(a[2]))));
        r.Add("to_unixtime", [Timestamp], DataType.Int64, Fn.Rows(a => Timestamps.FloorDiv((long)a[0]!, Timestamps.NanosPerSecond)));
        r.Alias("today", "current_date");
        r.Add("current_time", [], DataType.Time, (_, ret) => Fn.Kernel((_, n) =>
        {
            var now = Timestamps.Now();
            return Column.Constant(ret, now - Timestamps.FloorDiv(now, IntervalValue.NanosPerDay) * IntervalValue.NanosPerDay, n);
        }), isVolatile: true);
        // Timestamps here carry no zone, and to_local_time of a zone-less timestamp is that timestamp.
        r.Add("to_local_time", [Timestamp], DataType.Timestamp, (_, _) => Fn.Kernel((args, _) => args[0]));
        r.AddCustom("to_char", "to_char(TIMESTAMP | DATE | TIME, TEXT)", (args, span) =>
        {
            if (args.Count != 2 || args[0].Type.Kind is not (TypeKind.Timestamp or TypeKind.Date or TypeKind.Time or TypeKind.Null) || Text.Accept(args[1].Type) is null)
            {
                throw new Arroyo.Core.Errors.UserException(
                    $"no signature of function 'to_char' accepts ({string.Join(", ", args.Select(a => a.Type))}); accepted: to_char(TIMESTAMP | DATE | TIME, TEXT)", span);
            }
            var value = args[0].Type.Kind == TypeKind.Null ? Coercion.CastTo(args[0], DataType.Timestamp) : args[0];
            return ([value, Coercion.CastTo(args[1], DataType.Utf8)], DataType.Utf8);
        }, (bound, ret) =>
        {
            var date = bound[0].Type.Kind == TypeKind.Date;
            return Fn.Rows(a => ChronoFormat.Format(date ? (int)a[0]! * IntervalValue.NanosPerDay : (long)a[0]!, (string)a[1]!))(bound, ret);
        });
        r.Alias("date_format", "to_char");
    }

    private static long DatePartNumber(object? text) =>
        long.TryParse((string)text!, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new DataException($"make_date: cannot cast '{text}' to an integer");

    /// <summary>The text read by the first format that fits, floored to <paramref name="unit"/>.</summary>
    private static long ParseFormatted(string function, object?[] args, long unit)
    {
        var text = (string)args[0]!;
        var formats = args.Skip(1).Cast<string>().ToList();
        foreach (var format in formats)
        {
            if (ChronoParse.TryParse(text, format, out var nanos)) return Timestamps.FloorDiv(nanos, unit) * unit;
        }
        throw new DataException($"{function}: no format fits '{text}' (tried {string.Join(", ", formats.Select(f => "'" + f + "'"))}; chrono strftime specifiers, e.g. '%Y-%m-%d %H:%M:%S')");
    }

    private static PrimitiveColumn<long> Truncate(PrimitiveColumn<long> ts, long unit)
    {
        var result = new long[ts.Length];
        for (var i = 0; i < result.Length; i++) result[i] = Timestamps.FloorDiv(ts.Values[i], unit) * unit;
        return new PrimitiveColumn<long>(ts.Type, result, ts.Length, ts.Validity);
    }

    /// <summary>DataFusion (since v42) returns INT for calendar fields; epoch is DOUBLE, so the type depends on the unit.</summary>
    private static DataType DatePartType(string? unit) =>
        string.Equals(unit, "epoch", StringComparison.OrdinalIgnoreCase) ? DataType.Float64 : DataType.Int32;

    private static ScalarKernelFactory Scale(long unit) => (_, ret) => Fn.Kernel((args, n) =>
    {
        if (args[0] is not PrimitiveColumn<long> c) return NullColumns.Of(ret, n);
        var result = new long[n];
        for (var i = 0; i < n; i++) result[i] = c.Values[i] * unit;
        return new PrimitiveColumn<long>(ret, result, n, c.Validity);
    });

    private static readonly ScalarKernelFactory ParseTimestamp = (_, ret) => Fn.Kernel((args, n) =>
    {
        if (args[0] is not StringColumn c) return NullColumns.Of(ret, n);
        var result = new long[n];
        for (var i = 0; i < n; i++)
        {
            if (c.IsValid(i) && !TextParse.TryParseTimestamp(c.GetBytes(i), out result[i]))
            {
                throw new DataException($"Error parsing timestamp from '{c.GetString(i)}'");
            }
        }
        return new PrimitiveColumn<long>(ret, result, n, c.Validity);
    });

    private static readonly ScalarKernelFactory DateTrunc = (bound, ret) =>
    {
        var constantUnit = Fn.Const(bound, 0) as string;
        return Fn.Kernel((args, n) =>
        {
            if (args[1] is not PrimitiveColumn<long> ts) return NullColumns.Of(ret, n);
            var result = new long[n];
            if (constantUnit is not null)
            {
                var unit = constantUnit.ToLowerInvariant();
                var fixedNanos = FixedUnit(unit);
                if (fixedNanos > 0)
                {
                    // Sub-day units truncate with one floor division per row.
                    for (var i = 0; i < n; i++) result[i] = Timestamps.FloorDiv(ts.Values[i], fixedNanos) * fixedNanos;
                }
                else
                {
                    for (var i = 0; i < n; i++) result[i] = Trunc(unit, ts.Values[i]);
                }
                return new PrimitiveColumn<long>(ret, result, n, ts.Validity);
            }
            var units = (StringColumn)args[0];
            for (var i = 0; i < n; i++) if (units.IsValid(i) && ts.IsValid(i)) result[i] = Trunc(units.GetString(i).ToLowerInvariant(), ts.Values[i]);
            return new PrimitiveColumn<long>(ret, result, n, Bitmap.AndValidity(ts.Validity, units.Validity));
        });
    };

    private static long FixedUnit(string unit) => unit switch
    {
        "nanosecond" or "nanoseconds" => 1,
        "microsecond" or "microseconds" => Timestamps.NanosPerMicro,
        "millisecond" or "milliseconds" => Timestamps.NanosPerMilli,
        "second" or "seconds" => Timestamps.NanosPerSecond,
        "minute" or "minutes" => 60 * Timestamps.NanosPerSecond,
        "hour" or "hours" => 3600 * Timestamps.NanosPerSecond,
        "day" or "days" => IntervalValue.NanosPerDay,
        _ => 0,
    };

    private static long Trunc(string unit, long nanos)
    {
        var fixedNanos = FixedUnit(unit);
        if (fixedNanos > 0) return Timestamps.FloorDiv(nanos, fixedNanos) * fixedNanos;
        var dt = Timestamps.ToDateTime(nanos);
        var date = unit switch
        {
            "week" or "weeks" => dt.Date.AddDays(-(((int)dt.DayOfWeek + 6) % 7)),
            "month" or "months" => new DateTime(dt.Year, dt.Month, 1, 0, 0, 0, DateTimeKind.Utc),
            "quarter" or "quarters" => new DateTime(dt.Year, (dt.Month - 1) / 3 * 3 + 1, 1, 0, 0, 0, DateTimeKind.Utc),
            "year" or "years" => new DateTime(dt.Year, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            "decade" => new DateTime(dt.Year / 10 * 10, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            "century" => new DateTime((dt.Year - 1) / 100 * 100 + 1, 1, 1, 0, 0, 0, DateTimeKind.Utc),
            _ => throw new DataException($"Unsupported date_trunc granularity: '{unit}'. Supported values are: microsecond, millisecond, second, minute, hour, day, week, month, quarter, year"),
        };
        return Timestamps.FromDateTime(date);
    }

    private static long DateBin(IntervalValue stride, long ts, long origin)
    {
        if (!stride.IsFixed) throw new DataException("DATE_BIN stride does not support combination of month, day and nanosecond intervals");
        var s = stride.TotalNanoseconds;
        if (s <= 0) throw new DataException("DATE_BIN stride must be non-zero");
        return Timestamps.FloorDiv(ts - origin, s) * s + origin;
    }

    private static readonly ScalarKernelFactory DatePart = (bound, ret) =>
    {
        var unit = (Fn.Const(bound, 0) as string)?.ToLowerInvariant();
        if (ret.Kind == TypeKind.Float64)
        {
            // epoch: seconds with their fraction, as DataFusion computes it (nanos as f64 / 1e9).
            return Fn.Kernel((args, n) =>
            {
                if (args[1] is not PrimitiveColumn<long> ts) return NullColumns.Of(ret, n);
                var result = new double[n];
                for (var i = 0; i < n; i++) result[i] = ts.Values[i] / 1_000_000_000d;
                return new PrimitiveColumn<double>(ret, result, n, ts.Validity);
            });
        }
        return Fn.Kernel((args, n) =>
        {
            if (args[1] is not PrimitiveColumn<long> ts) return NullColumns.Of(ret, n);
            var result = new int[n];
            var units = args[0];
            for (var i = 0; i < n; i++)
            {
                if (!ts.IsValid(i)) continue;
                var u = unit ?? (units.GetValue(i) as string)?.ToLowerInvariant() ?? "";
                result[i] = (int)Part(u, ts.Values[i]);
            }
            return new PrimitiveColumn<int>(ret, result, n, Bitmap.AndValidity(ts.Validity, units is NullColumn ? null : units.Validity));
        });
    };

    /// <summary>One field of a timestamp, as PostgreSQL/DataFusion define it (dow: Sunday = 0; week: ISO).</summary>
    internal static long Part(string unit, long nanos)
    {
        var dt = Timestamps.ToDateTime(nanos);
        var subSecond = nanos - Timestamps.FloorDiv(nanos, Timestamps.NanosPerSecond) * Timestamps.NanosPerSecond;
        return unit switch
        {
            "year" or "years" => dt.Year,
            "month" or "months" => dt.Month,
            "day" or "days" => dt.Day,
            "hour" or "hours" => dt.Hour,
            "minute" or "minutes" => dt.Minute,
            "second" or "seconds" => dt.Second,
            "millisecond" or "milliseconds" => dt.Second * 1000L + subSecond / Timestamps.NanosPerMilli,
            "microsecond" or "microseconds" => dt.Second * 1_000_000L + subSecond / Timestamps.NanosPerMicro,
            "nanosecond" or "nanoseconds" => dt.Second * Timestamps.NanosPerSecond + subSecond,
            "dow" => (int)dt.DayOfWeek,
            "isodow" => ((int)dt.DayOfWeek + 6) % 7 + 1,
            "doy" => dt.DayOfYear,
            "week" or "weeks" => System.Globalization.ISOWeek.GetWeekOfYear(dt),
            "quarter" => (dt.Month - 1) / 3 + 1,
            "epoch" => Timestamps.FloorDiv(nanos, Timestamps.NanosPerSecond),
            _ => throw new DataException($"Date part '{unit}' not supported"),
        };
    }

    private static int MakeDate(long y, long m, long d)
    {
        try
        {
            return new DateOnly((int)y, (int)m, (int)d).DayNumber - TextFormat.UnixEpochDay;
        }
        catch (ArgumentOutOfRangeException)
        {
            throw new DataException($"Unable to parse date from {y}, {m}, {d}");
        }
    }
}
