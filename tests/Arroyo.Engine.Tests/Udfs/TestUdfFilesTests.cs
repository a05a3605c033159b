using Arroyo.Core.Columns;
using Arroyo.Core.Types;
using static Arroyo.Engine.Tests.Udfs.UdfTestSupport;

namespace Arroyo.Engine.Tests.Udfs;

/// <summary>The C# UDF files under tests/Udfs (the reference tests' functions) do what their Rust originals do.</summary>
public sealed class TestUdfFilesTests
{
    [Fact]
    public void Parse_prom_turns_an_exposition_line_into_json()
    {
        var result = Call(Planner.PlannerTestSupport.WithTestUdfs(), "parse_prom", [DataType.Utf8], DataType.Utf8,
            StringColumn.FromStrings(["node_cpu_seconds_total{cpu=\"0\",mode=\"idle\"} 1234.5", "garbage"]));
        Assert.Equal(new object?[] { """{"name":"node_cpu_seconds_total","labels":{"cpu":"0","mode":"idle"},"value":"1234.5"}""", null }, Values(result));
    }

    [Fact]
    public void Parse_log_reads_the_common_log_format()
    {
        var result = Call(Planner.PlannerTestSupport.WithTestUdfs(), "parse_log", [DataType.Utf8], DataType.Utf8,
            StringColumn.FromStrings(["127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /apache_pb.gif HTTP/1.0\" 200 2326"]));
        Assert.Equal("""{"ip":"127.0.0.1","user":"frank","timestamp":"2000-10-10T13:55:36-07:00","request":"GET /apache_pb.gif HTTP/1.0","status_code":200}""",
            result.GetValue(0));
    }

    [Fact]
    public void Cbor_to_json_decodes_maps_arrays_numbers_and_text()
    {
        // {"a": [1, -2, "x"], "b": true} in CBOR; then a truncated item
        byte[] cbor = [0xA2, 0x61, 0x61, 0x83, 0x01, 0x21, 0x61, 0x78, 0x61, 0x62, 0xF5];
        var input = new StringColumnBuilder(DataType.Binary);
        input.Append(cbor);
        input.Append(cbor.AsSpan(0, 5));
        var result = Call(Planner.PlannerTestSupport.WithTestUdfs(), "cbor_to_json", [DataType.Binary], DataType.Utf8, input.Build());
        Assert.Equal(new object?[] { """{"a":[1,-2,"x"],"b":true}""", null }, Values(result));
    }
}
