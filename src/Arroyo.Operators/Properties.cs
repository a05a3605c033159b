using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Arroyo.Engine.Tests")]
