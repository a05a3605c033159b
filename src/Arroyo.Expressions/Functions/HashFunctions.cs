using System.Security.Cryptography;
using System.Text;
using Arroyo.Core.Types;
using Arroyo.Expressions.Binding;
using static Arroyo.Expressions.Binding.Param;

namespace Arroyo.Expressions.Functions;

/// <summary>md5 / sha2 family / digest, returning lowercase hex text.</summary>
internal static class HashFunctions
{
    public static void Register(FunctionRegistry r)
    {
        r.Add("md5", [Text], DataType.Utf8, Hash("md5"));
        r.Add("sha224", [Text], DataType.Utf8, Hash("sha224"));
        r.Add("sha256", [Text], DataType.Utf8, Hash("sha256"));
        r.Add("sha384", [Text], DataType.Utf8, Hash("sha384"));
        r.Add("sha512", [Text], DataType.Utf8, Hash("sha512"));
        r.Add("digest", [Text, Text], DataType.Utf8, Fn.Rows(a => Hex(Compute(((string)a[1]!).ToLowerInvariant(), Encoding.UTF8.GetBytes((string)a[0]!)))));
    }

    private static ScalarKernelFactory Hash(string algorithm) => Fn.Rows(a => Hex(Compute(algorithm, Encoding.UTF8.GetBytes((string)a[0]!))));

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    internal static byte[] Compute(string algorithm, byte[] data) => algorithm switch
    {
        "md5" => MD5.HashData(data),
        "sha224" => Arroyo.Core.Text.Sha256.Hash224(data),
        "sha256" => SHA256.HashData(data),
        "sha384" => SHA384.HashData(data),
        "sha512" => SHA512.HashData(data),
        "blake2b" => Blake2.Hash2b(data),
        "blake2s" => Blake2.Hash2s(data),
        "blake3" => Blake3.Hash(data),
        _ => throw new DataException($"Unsupported digest algorithm: {algorithm}. Supported: md5, sha224, sha256, sha384, sha512, blake2b, blake2s, blake3"),
    };
}
