namespace Arroyo.Udfs;

/// <summary>What an exception thrown by a UDF does, as the <c>bad_data</c> option of a source does for bad records.</summary>
public enum UdfErrorPolicy
{
    /// <summary>Stop the pipeline with an error naming the function and the row's values.</summary>
    Fail,

    /// <summary>The row's result is NULL; the failure is logged as a warning.</summary>
    Null,
}
