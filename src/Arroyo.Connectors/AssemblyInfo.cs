namespace Arroyo.Connectors;
