using Arroyo.Core;

namespace Arroyo.Execution;

/// <summary>Where an operator sends what it produces (the next chained operator, or the outgoing edges).</summary>
public interface IOutput
{
    void Emit(Batch batch);

    void EmitWatermark(Watermark watermark);
}
