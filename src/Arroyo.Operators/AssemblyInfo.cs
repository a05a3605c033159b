namespace Arroyo.Operators;
