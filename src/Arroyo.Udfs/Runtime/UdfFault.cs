using System.Diagnostics;
using System.Text;
using Arroyo.Core.Columns;
using Arroyo.Expressions;

namespace Arroyo.Udfs.Runtime;

/// <summary>
/// What a UDF's kernel does when the user's method throws: under <see cref="UdfErrorPolicy.Fail"/>
/// a <see cref="DataException"/> naming the function, where in its source it threw, and the
/// row's values (truncated); under <see cref="UdfErrorPolicy.Null"/> a warning (the first few,
/// then every 1000th, so a function failing on every row does not flood the log) and NULL.
/// One instance per call site (kernel or accumulator), used from its subtask thread only.
/// </summary>
public sealed class UdfFault
{
    private const int MaxValueChars = 60;
    private const int MaxRowChars = 300;
    private readonly string _name;
    private readonly IReadOnlyList<string> _parameters;
    private readonly UdfErrorPolicy _policy;
    private readonly Action<string> _warn;
    private long _failures;

    public UdfFault(string name, IReadOnlyList<string> parameters, UdfErrorPolicy policy, Action<string> warn)
    {
        _name = name;
        _parameters = parameters;
        _policy = policy;
        _warn = warn;
    }

    /// <summary>Failures seen so far (nulls given under <see cref="UdfErrorPolicy.Null"/>).</summary>
    public long Failures => _failures;

    /// <summary>The call for row <paramref name="row"/> of <paramref name="args"/> threw <paramref name="error"/>: throws, or logs and returns (the caller writes NULL).</summary>
    public void Row(Exception error, Column[] args, int row) => Handle(error, DescribeRow(args, row));

    /// <summary>The call over a group of <paramref name="values"/> values (a UDAF) threw.</summary>
    public void Group(Exception error, int values) => Handle(error, $"a group of {values} row{(values == 1 ? "" : "s")}");

    private void Handle(Exception error, string input)
    {
        _failures++;
        var message = $"user function '{_name}' threw {error.GetType().Name}: {error.Message}{Where(error)} on {input}";
        if (_policy == UdfErrorPolicy.Fail)
        {
            throw new DataException(message, error) { };
        }
        if (_failures <= 10 || _failures % 1000 == 0)
        {
            _warn($"{message}; the result is NULL (OnError = Null){(_failures == 10 ? " — later failures are logged every 1000th" : "")}");
        }
    }

    // The innermost frame of the UDF's own source, e.g. " at udfs/parse.cs line 12".
    private static string Where(Exception error)
    {
        foreach (var frame in new StackTrace(error, fNeedFileInfo: true).GetFrames())
        {
            var file = frame.GetFileName();
            if (string.IsNullOrEmpty(file) || frame.GetMethod()?.DeclaringType?.Namespace == UdfNames.GeneratedNamespace) continue;
            if (frame.GetMethod()?.Module.Assembly.GetName().Name?.StartsWith(UdfNames.AssemblyPrefix, StringComparison.Ordinal) != true) continue;
            return $" at {file} line {frame.GetFileLineNumber()}";
        }
        return "";
    }

    private string DescribeRow(Column[] args, int row)
    {
        var text = new StringBuilder("row (");
        for (var a = 0; a < args.Length; a++)
        {
            if (a > 0) text.Append(", ");
            text.Append(a < _parameters.Count ? _parameters[a] : $"arg{a}").Append(" = ").Append(Describe(args[a].GetValue(row)));
            if (text.Length > MaxRowChars) return text.ToString(0, MaxRowChars) + "…)";
        }
        return text.Append(')').ToString();
    }

    private static string Describe(object? value)
    {
        var text = value switch
        {
            null => "NULL",
            string s => "'" + s + "'",
            byte[] b => "0x" + Convert.ToHexStringLower(b.AsSpan(0, Math.Min(b.Length, MaxValueChars / 2))),
            IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
            _ => value.ToString() ?? "",
        };
        return text.Length > MaxValueChars ? text[..MaxValueChars] + "…" : text;
    }
}
