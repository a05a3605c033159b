namespace Arroyo.State;
