using System.Text;
using System.Text.RegularExpressions;
using Arroyo.Core;
using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using Arroyo.Expressions.Compilation;

namespace Arroyo.Expressions.Kernels;

/// <summary>
/// <c>regexp_match(text, 'constant pattern')[k]</c> (array_element over regexp_match) fused:
/// the k-th element of the capture list straight into a TEXT column, without the per-row
/// string, boxed list and list column the two calls would build. .NET's Regex gives capture
/// groups only for a string input, so the batch's values are decoded once into one string
/// and each row is matched within its own range (<see cref="Regex.Match(string, int, int)"/>
/// treats that range as the whole input, so <c>^</c> and <c>$</c> anchor at the row's ends).
/// Element selection is array_element's over regexp_match's list: the list is the groups
/// 1..n, or the whole match when the pattern has no group; k counts from 1, negative k from
/// the end, 0 or out of range is NULL; so is a group that did not take part.
/// </summary>
internal sealed class RegexGroupKernel(CompiledExpr input, Regex regex, long element) : CompiledExpr(DataType.Utf8)
{
    private char[] _chars = new char[4096];
    private int[] _starts = new int[1025];

    public override Column Evaluate(Batch batch)
    {
        var n = batch.RowCount;
        if (input.Evaluate(batch) is not StringColumn column) return NullColumns.Of(Type, n);
        var text = DecodeRows(column, n);
        var builder = new StringColumnBuilder(Type, n);
        for (var i = 0; i < n; i++)
        {
            if (!column.IsValid(i))
            {
                builder.AppendNull();
                continue;
            }
            var match = regex.Match(text, _starts[i], _starts[i + 1] - _starts[i]);
            var group = match.Success ? Select(match) : null;
            if (group is null)
            {
                builder.AppendNull();
                continue;
            }
            var chars = text.AsSpan(group.Index, group.Length);
            var span = builder.GetWriteSpan(Encoding.UTF8.GetMaxByteCount(chars.Length));
            builder.CommitWritten(Encoding.UTF8.GetBytes(chars, span));
        }
        return builder.Build();
    }

    /// <summary>The group array_element picks from regexp_match's list, or null for NULL.</summary>
    private Group? Select(Match match)
    {
        // GroupCollection as a list is in regexp_match's order (group 0 first, then by number).
        IList<Group> groups = match.Groups;
        var count = groups.Count == 1 ? 1 : groups.Count - 1;
        var index = element > 0 ? element - 1 : count + element;
        if (element == 0 || index < 0 || index >= count) return null;
        var group = groups.Count == 1 ? groups[0] : groups[(int)index + 1];
        return group.Success ? group : null;
    }

    /// <summary>All rows' text in one string; row i is chars [_starts[i], _starts[i + 1]).</summary>
    private string DecodeRows(StringColumn column, int n)
    {
        if (_starts.Length < n + 1) _starts = new int[Math.Max(n + 1, _starts.Length * 2)];
        var offsets = column.Offsets;
        var bytes = column.Data.AsSpan(offsets[0], offsets[n] - offsets[0]);
        if (Ascii.IsValid(bytes))
        {
            // One char per byte: the char ranges are the byte ranges.
            for (var i = 0; i <= n; i++) _starts[i] = offsets[i] - offsets[0];
            return Encoding.ASCII.GetString(bytes);
        }
        if (_chars.Length < bytes.Length) _chars = new char[Math.Max(bytes.Length, _chars.Length * 2)];
        var position = 0;
        for (var i = 0; i < n; i++)
        {
            _starts[i] = position;
            position += Encoding.UTF8.GetChars(column.GetBytes(i), _chars.AsSpan(position));
        }
        _starts[n] = position;
        return new string(_chars, 0, position);
    }
}
