namespace Arroyo.Udfs.Runtime;

/// <summary>Names shared by the code generator and the runtime.</summary>
public static class UdfNames
{
    /// <summary>Every compiled UDF assembly's name starts with this (then the content hash).</summary>
    public const string AssemblyPrefix = "ArroyoUdfs_";

    /// <summary>The namespace of the generated kernels, accumulators and manifest.</summary>
    public const string GeneratedNamespace = "ArroyoUdfs.Generated";

    /// <summary>The generated class whose static <c>Register(UdfRegistration)</c> lists every function.</summary>
    public const string ManifestType = GeneratedNamespace + ".Manifest";
}
