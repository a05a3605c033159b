namespace Arroyo.Dataflow.Specs;

public enum JoinKind
{
    Inner,
    Left,
    Right,
    Full,
}
