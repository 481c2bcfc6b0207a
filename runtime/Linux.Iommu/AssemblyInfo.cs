using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Runtime.Tests")]
[assembly: InternalsVisibleTo("Vm.Tests")]
[assembly: InternalsVisibleTo("Linux.Iommu.Planner")]
