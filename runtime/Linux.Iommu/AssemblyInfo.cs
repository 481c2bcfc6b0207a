using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Runtime.Tests")]
[assembly: InternalsVisibleTo("Vm.Tests")]
