namespace Arroyo.Cli;
