using Arroyo.Core.Columns;

namespace Arroyo.Expressions.Casts;

/// <summary>Converts a whole column (of <paramref name="rowCount"/> rows) to the cast's target type.</summary>
internal delegate Column CastFn(Column input, int rowCount);
