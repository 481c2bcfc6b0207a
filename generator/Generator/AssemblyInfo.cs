using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Generator.Tests")]
