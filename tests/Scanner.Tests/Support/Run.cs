namespace Iommu.Scanner.Tests.Support;

internal static class Run
{
    /// <summary>The scanner CLI as users run it, through the built iommu-scan.dll next to the tests.</summary>
    public static ProcessResult Scanner(IEnumerable<string> arguments, IDictionary<string, string>? environment = null) =>
        Processes.Run("dotnet", [System.IO.Path.Combine(AppContext.BaseDirectory, "iommu-scan.dll"), .. arguments], environment);
}
