using Linux.Iommu.Native;
using Linux.Iommu.Planner;
using static Linux.Iommu.Tests.Planner.RecordedHosts;

namespace Linux.Iommu.Tests;

/// <summary>IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED is negative: set, clear on a kernel that knows it, or not reported by a
/// kernel that predates it (6.12), where its absence says nothing.</summary>
public class AtsReportTests
{
    private const HwCapabilities Ats = HwCapabilities.PciAtsNotSupported;

    [Fact]
    public void The_bit_reads_as_not_supported_may_be_enabled_or_not_reported()
    {
        var set = HwInfo.Decode(QemuVtdLegacy.Type, QemuVtdLegacy.Data.Span, (ulong)Ats, 0);
        var clear = QemuVtdLegacy;
        var predates = QemuVtdLegacy with { UnreportedCapabilities = Ats };

        Assert.Equal((true, false, (bool?)null), (set.AtsNotSupported, clear.AtsNotSupported, predates.AtsNotSupported));
        Assert.Contains("ATS: not supported (IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED)", set.Describe());
        Assert.Contains("ATS: may be enabled", clear.Describe());
        Assert.Contains("ATS: not reported by this kernel (it predates IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED)", predates.Describe());
        Assert.Equal(clear, predates); // the same IOMMU: what the kernel can report is not part of equality
    }

    [Fact]
    public void A_recorded_host_keeps_what_its_kernel_could_not_report()
    {
        var host = new RecordedHost("6.12.117", "x86_64", 4096, [new RecordedDevice("edu", 1, QemuVtdLegacy with { UnreportedCapabilities = Ats }, X86Ioas.IovaRanges, 4096)]);

        var json = RecordedHostJson.Write(host);
        var back = RecordedHostJson.Parse(json);

        Assert.Contains("\"unreportedCapabilities\": \"0x8\"", json);
        Assert.Null(back.Devices[0].HwInfo.AtsNotSupported);
        Assert.DoesNotContain("unreportedCapabilities", RecordedHostJson.Write(host with { Devices = [host.Devices[0] with { HwInfo = QemuVtdLegacy }] }));
    }

    [Fact]
    public void The_plan_report_says_what_the_kernel_reports_about_ATS()
    {
        var report = ViommuPlanner.Decide(Vtd(width: 39), [("edu", QemuVtdLegacy with { UnreportedCapabilities = Ats })], X86Ioas);

        Assert.Contains("Device edu: host IOMMU IOMMU_HW_INFO_TYPE_INTEL_VTD; ATS not reported by this kernel", report.Describe());
    }
}
