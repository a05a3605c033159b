namespace Arroyo.Planner;
