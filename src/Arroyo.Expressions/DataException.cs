using Arroyo.Core.Errors;

namespace Arroyo.Expressions;

/// <summary>
/// A row's data made an expression fail at run time: a CAST of unparsable text, division by
/// zero, integer overflow, an invalid regex built from data. It is the user's to fix (the
/// query or the data), so it is a <see cref="UserException"/>; the pipeline stops with this
/// message as the reference engine does (DataFusion returns an execution error).
/// </summary>
public sealed class DataException : UserException
{
    public DataException(string message, Exception? inner = null) : base(message, default, null, inner) { }
}
