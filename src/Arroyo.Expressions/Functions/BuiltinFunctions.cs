using Arroyo.Expressions.Binding;

namespace Arroyo.Expressions.Functions;

internal static class BuiltinFunctions
{
    public static void RegisterAll(FunctionRegistry r)
    {
        StringFunctions.Register(r);
        MathFunctions.Register(r);
        ConditionalFunctions.Register(r);
        DateTimeFunctions.Register(r);
        RegexFunctions.Register(r);
        HashFunctions.Register(r);
        ArrayFunctions.Register(r);
        StructFunctions.Register(r);
        JsonFunctions.Register(r);
        CoreFunctions.Register(r);
        MapFunctions.Register(r);
    }
}
