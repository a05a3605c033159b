using System.Text;
using System.Text.RegularExpressions;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Compilation;
using Arroyo.Expressions.Functions.Strings;

namespace Arroyo.Expressions.Kernels;

/// <summary>
/// LIKE / ILIKE / regex match. A constant pattern is prepared once: LIKE patterns that are
/// a plain prefix/suffix/substring/equality run as byte searches; the rest as a compiled regex.
/// </summary>
internal sealed class MatchKernel : CompiledExpr
{
    private readonly CompiledExpr _input;
    private readonly CompiledExpr _pattern;
    private readonly bool _like;
    private readonly bool _ignoreCase;
    private readonly bool _negated;
    private readonly Dictionary<string, Regex> _cache = new();
    private char[] _buffer = Utf8Text.NewBuffer();

    public MatchKernel(CompiledExpr input, CompiledExpr pattern, bool like, bool ignoreCase, bool negated) : base(DataType.Boolean)
    {
        _input = input;
        _pattern = pattern;
        _like = like;
        _ignoreCase = ignoreCase;
        _negated = negated;
    }

    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        if (_input.Evaluate(batch) is not StringColumn input) return NullColumns.Of(Type, n);
        var result = new bool[n];
        if (_pattern.IsConstant)
        {
            if (_pattern.ConstantValue is not string p) return NullColumns.Of(Type, n);
            if (_like && !_ignoreCase && TrySimpleLike(p, input, result, n)) return Finish(result, n, input.Validity);
            var regex = Get(p);
            for (var i = 0; i < n; i++)
            {
                if (input.IsValid(i)) result[i] = Utf8Text.IsMatch(regex, input.GetBytes(i), ref _buffer);
            }
            return Finish(result, n, input.Validity);
        }
        if (_pattern.Evaluate(batch) is not StringColumn patterns) return NullColumns.Of(Type, n);
        var validity = Bitmap.AndValidity(input.Validity, patterns.Validity);
        for (var i = 0; i < n; i++)
        {
            if (validity is not null && !validity.Get(i)) continue;
            result[i] = Utf8Text.IsMatch(Get(patterns.GetString(i)), input.GetBytes(i), ref _buffer);
        }
        return Finish(result, n, validity);
    }

    private Column Finish(bool[] result, int n, Bitmap? validity)
    {
        if (_negated) for (var i = 0; i < n; i++) result[i] = !result[i];
        return new PrimitiveColumn<bool>(DataType.Boolean, result, n, validity);
    }

    private Regex Get(string pattern)
    {
        if (!_cache.TryGetValue(pattern, out var regex))
        {
            if (_cache.Count > 1000) _cache.Clear();
            regex = _like ? Utf8Text.LikeToRegex(pattern, _ignoreCase) : Utf8Text.Compile(pattern, null, _ignoreCase);
            _cache[pattern] = regex;
        }
        return regex;
    }

    private static bool TrySimpleLike(string pattern, StringColumn input, bool[] result, int n)
    {
        var starts = pattern.StartsWith('%');
        var ends = pattern.EndsWith('%') && pattern.Length > 1;
        var core = pattern.Substring(starts ? 1 : 0, pattern.Length - (starts ? 1 : 0) - (ends ? 1 : 0));
        if (core.AsSpan().IndexOfAny(Utf8Text.LikeSpecial) >= 0) return false;
        var needle = Encoding.UTF8.GetBytes(core);
        for (var i = 0; i < n; i++)
        {
            var s = input.GetBytes(i);
            result[i] = (starts, ends) switch
            {
                (false, false) => s.SequenceEqual(needle),
                (false, true) => s.StartsWith(needle),
                (true, false) => s.EndsWith(needle),
                _ => s.IndexOf(needle) >= 0,
            };
        }
        return true;
    }
}
