using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Arroyo.Storage.Tests")]
