using Linux.Iommu;
using Linux.Iommu.Demo;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;

// iommu-demo [SPECS-DIR]: plans every spec of the folder (default: examples/specs, copied beside the program) on this
// machine's QEMU edu devices, through whichever backend the kernel has; for a Shadow plan a live edu DMA through the
// shadow engine; the selftest mock's spec on the mock device (Nested). Exit 0 when every DMA and the mock behaved.
if (args.Length > 1 || args is ["-h" or "--help"])
{
    Console.Error.WriteLine("usage: iommu-demo [SPECS-DIR]   (default: the example specs beside the program)");
    return args.Length > 1 ? 2 : 0;
}
var folder = args.Length == 1 ? args[0] : Path.Combine(AppContext.BaseDirectory, "specs");
if (!Directory.Exists(folder))
{
    Console.Error.WriteLine($"iommu-demo: {folder}: no such directory");
    return 2;
}
try
{
    return Demo.Run(MockPlanning.Planner(), Directory.GetFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList()) ? 0 : 1;
}
catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or SpecException)
{
    Console.Error.WriteLine($"iommu-demo: {e.Message}");
    return 1;
}
