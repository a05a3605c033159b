namespace Arroyo.Dataflow;
