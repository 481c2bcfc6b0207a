using Iommu.Scanner.Diff;
using Iommu.Scanner.Model;
using Iommu.Scanner.Scan;
using Iommu.Scanner.Tests.Support;

namespace Iommu.Scanner.Tests;

/// <summary>A header a kernel does not have yet (linux/iommufd.h before 6.2) is a fact of the set, not an error: the
/// scanner records it as absent when the set says it may be missing, and the diff reports it as one header entry.</summary>
public class AbsentHeaderTests
{
    private static AbiModel Committed(string set) => ModelFile.Read(Repo.ModelPath(set, "x86_64"));

    [Fact]
    public void A_header_marked_optional_that_the_set_lacks_is_recorded_as_absent()
    {
        var include = HeaderSets.Include("linux-6.1");

        var model = HeaderSetScanner.Scan(new ScanRequest(include, ["linux/iommufd.h?", "linux/vfio.h"], "x86_64", new HeaderSet("linux-6.1", "linux-libc-dev", "6.1.192-3")));

        Assert.Equal(["linux/vfio.h"], model.Headers);
        Assert.Equal(["linux/iommufd.h"], model.AbsentHeaders);
        Assert.Contains(model.Ioctls, i => i.Name == "VFIO_IOMMU_MAP_DMA");
        Assert.DoesNotContain(model.Ioctls, i => i.Name.StartsWith("IOMMU_", StringComparison.Ordinal));
        Assert.Contains("\"absentHeaders\": [\n    \"linux/iommufd.h\"\n  ]", ModelJsonWriter.Write(model));
        Assert.Equal(model.AbsentHeaders, ModelReader.Read("", ModelJsonWriter.Write(model)).AbsentHeaders);
    }

    [Fact]
    public void A_header_present_in_the_set_is_scanned_even_when_marked_optional()
    {
        var model = HeaderSetScanner.Scan(new ScanRequest(HeaderSets.Include("linux-7.3"), ["linux/iommufd.h?"], "x86_64", new HeaderSet("x", "none", "0")));

        Assert.Equal(["linux/iommufd.h"], model.Headers);
        Assert.Empty(model.AbsentHeaders);
    }

    [Fact]
    public void A_set_with_none_of_its_headers_is_SCAN005()
    {
        var e = Assert.Throws<ScanException>(() =>
            HeaderSetScanner.Scan(new ScanRequest(HeaderSets.Include("linux-6.1"), ["linux/iommufd.h?"], "x86_64", new HeaderSet("x", "none", "0"))));

        Assert.Equal("SCAN005", e.Id);
        Assert.Contains("none of the headers (linux/iommufd.h)", e.Message);
    }

    [Fact]
    public void A_missing_header_not_marked_optional_says_how_to_mark_it()
    {
        var e = Assert.Throws<ScanException>(() =>
            HeaderSetScanner.Scan(new ScanRequest(HeaderSets.Include("linux-6.1"), ["linux/iommufd.h", "linux/vfio.h"], "x86_64", new HeaderSet("x", "none", "0"))));

        Assert.Equal("SCAN005", e.Id);
        Assert.Contains("write 'linux/iommufd.h?' if the set may lack it", e.Message);
    }

    [Fact]
    public void The_diff_from_a_set_without_a_header_reports_the_header_once_as_compatible()
    {
        var report = ModelDiff.Compare(Committed("linux-6.1"), Committed("linux-6.12"));

        var header = Assert.Single(report.Entries, e => e.Item == "header linux/iommufd.h");
        Assert.Equal(ChangeClass.Compatible, header.Class);
        Assert.Equal("new header: 21 structs/unions, 18 enums, 1 constants, 15 ioctls (absent from linux-6.1)", header.Change);
        Assert.DoesNotContain(report.Entries, e => e.Item.StartsWith("IOMMU_", StringComparison.Ordinal) || e.Item.StartsWith("struct iommu_", StringComparison.Ordinal));
        Assert.False(report.HasBreak);
    }

    [Fact]
    public void The_diff_to_a_set_without_the_header_is_an_ABI_break_naming_it()
    {
        var report = ModelDiff.Compare(Committed("linux-6.12"), Committed("linux-6.1"));

        var header = Assert.Single(report.Entries, e => e.Item == "header linux/iommufd.h");
        Assert.Equal(ChangeClass.AbiBreak, header.Class);
        Assert.Equal("header gone: 21 structs/unions, 18 enums, 1 constants, 15 ioctls removed (absent from linux-6.1)", header.Change);
    }

    [Fact]
    public void Tail_padding_given_a_reserved_name_is_compatible()
    {
        // 6.1's vfio_iommu_type1_info ends in 4 bytes of padding that 6.12 names 'pad'.
        var report = ModelDiff.Compare(Committed("linux-6.1"), Committed("linux-6.12"));

        var pad = Assert.Single(report.Entries, e => e.Item == "struct vfio_iommu_type1_info.pad");
        Assert.Equal(ChangeClass.Compatible, pad.Class);
        Assert.Equal("reserved field in former padding at 20", pad.Change);
    }
}
