using System.Security.Cryptography;
using System.Text;
using Arroyo.Core.Text;
using Arroyo.State.Checkpoints;

namespace Arroyo.Engine.Tests.Core;

public sealed class Sha256Tests
{
    // Lengths around the block (64 bytes) and padding (55/56 bytes: the length still fits in the
    // last block or needs one more) boundaries, and a few blocks long.
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(54)]
    [InlineData(55)]
    [InlineData(56)]
    [InlineData(57)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(119)]
    [InlineData(120)]
    [InlineData(128)]
    [InlineData(1000)]
    [InlineData(100_003)]
    public void Digests_are_the_frameworks(int length)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        Assert.Equal(SHA256.HashData(data), Sha256.Hash(data));
    }

    [Fact]
    public void Known_answers_of_the_standard()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Sha256.HexOfUtf8("abc"));
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", Sha256.HexOfUtf8(""));
        Assert.Equal("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            Sha256.HexOfUtf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"));
    }

    [Fact]
    public void Sha224_known_answers_of_the_standard()
    {
        Assert.Equal("23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7", Convert.ToHexStringLower(Sha256.Hash224("abc"u8)));
        Assert.Equal("d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f", Convert.ToHexStringLower(Sha256.Hash224([])));
        Assert.Equal("75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525",
            Convert.ToHexStringLower(Sha256.Hash224("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"u8)));
    }

    [Fact]
    public void The_query_hash_of_existing_state_dirs_is_unchanged()
    {
        // What pipeline.json's queryHash was before (SHA-256 of the query, whitespace runs collapsed, trimmed).
        const string query = "SELECT  bid.auction,\n  'é→'  FROM nexmark\tWHERE bid IS NOT NULL;  ";
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Whitespace.CollapseRuns(query.Trim()))));
        Assert.Equal(expected, PipelineRecord.HashQuery(query));
    }
}
