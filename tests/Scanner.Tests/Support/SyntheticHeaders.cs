namespace Iommu.Scanner.Tests.Support;

/// <summary>A throwaway include root: the real 7.3 header set (linked, not copied) plus one header
/// a test writes, so the scanner sees the kernel's own types.h and ioctl.h beside the test's C.</summary>
internal sealed class SyntheticHeaders : IDisposable
{
    public const string Header = "linux/iommu_scan_test.h";

    public string Root { get; }

    public SyntheticHeaders(string content)
    {
        var real = HeaderSets.Include("linux-7.3");
        Root = Directory.CreateTempSubdirectory("iommu-scan-test-").FullName;
        foreach (var entry in Directory.EnumerateFileSystemEntries(real).Where(e => Path.GetFileName(e) != "linux"))
        {
            File.CreateSymbolicLink(Path.Combine(Root, Path.GetFileName(entry)), entry);
        }
        var linux = Directory.CreateDirectory(Path.Combine(Root, "linux")).FullName;
        foreach (var file in Directory.EnumerateFileSystemEntries(Path.Combine(real, "linux")))
        {
            File.CreateSymbolicLink(Path.Combine(linux, Path.GetFileName(file)), file);
        }
        File.WriteAllText(Path.Combine(Root, Header), content);
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
