using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Vm.Tests")]
