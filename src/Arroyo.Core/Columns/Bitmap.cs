using System.Numerics;
using System.Runtime.CompilerServices;

namespace Arroyo.Core.Columns;

/// <summary>
/// A fixed-length bit set, used as a column's validity mask (bit set = value present) and
/// as a filter's selection mask.
/// </summary>
public sealed class Bitmap
{
    private readonly ulong[] _words;

    public Bitmap(int length, bool initialValue = false)
    {
        Length = length;
        _words = new ulong[(length + 63) >> 6];
        if (initialValue) SetAll();
    }

    private Bitmap(int length, ulong[] words)
    {
        Length = length;
        _words = words;
    }

    public int Length { get; }

    public Span<ulong> Words => _words;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Get(int index) => (_words[index >> 6] & (1UL << (index & 63))) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(int index) => _words[index >> 6] |= 1UL << (index & 63);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Clear(int index) => _words[index >> 6] &= ~(1UL << (index & 63));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(int index, bool value)
    {
        if (value) Set(index);
        else Clear(index);
    }

    public void SetAll()
    {
        Array.Fill(_words, ulong.MaxValue);
        ClearTail();
    }

    public int CountSet()
    {
        var count = 0;
        foreach (var w in _words) count += BitOperations.PopCount(w);
        return count;
    }

    public Bitmap Clone() => new(Length, (ulong[])_words.Clone());

    /// <summary>Bit k of the result = bit indices[k] of this (a gather; branch-free per row).</summary>
    public Bitmap Take(ReadOnlySpan<int> indices)
    {
        var result = new Bitmap(indices.Length);
        var target = result._words;
        var source = _words;
        for (var i = 0; i < indices.Length; i++)
        {
            var j = indices[i];
            target[i >> 6] |= ((source[j >> 6] >> (j & 63)) & 1UL) << (i & 63);
        }
        return result;
    }

    /// <summary>this AND other, into a new bitmap.</summary>
    public Bitmap And(Bitmap other)
    {
        var result = new ulong[_words.Length];
        for (var i = 0; i < result.Length; i++) result[i] = _words[i] & other._words[i];
        return new Bitmap(Length, result);
    }

    /// <summary>this OR other, into a new bitmap.</summary>
    public Bitmap Or(Bitmap other)
    {
        var result = new ulong[_words.Length];
        for (var i = 0; i < result.Length; i++) result[i] = _words[i] | other._words[i];
        return new Bitmap(Length, result);
    }

    /// <summary>Combines two optional validity masks: null means "all valid".</summary>
    public static Bitmap? AndValidity(Bitmap? a, Bitmap? b) =>
        a is null ? b : b is null ? a : a.And(b);

    // Bits past Length stay zero so that CountSet and word-wise operations stay exact.
    private void ClearTail()
    {
        var tail = Length & 63;
        if (tail != 0) _words[^1] &= (1UL << tail) - 1;
    }
}
