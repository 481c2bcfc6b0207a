using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;

namespace Vm.Tests;

/// <summary>IOMMU_GET_HW_INFO on the real kernel: the edu device behind QEMU's emulated VT-d
/// (<c>-device intel-iommu,intremap=on</c>, tests/vm/run-in-vm) reports the registers QEMU gives it,
/// and HwInfo.Decode reads them as the VT-d spec means them.</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")] // decodes an Intel VT-d host
public sealed class HwInfoTests
{
    /// <summary>cap_reg of <c>-device intel-iommu,intremap=on</c> by aw-bits (39 or 48), as QEMU reports it.</summary>
    private static readonly Dictionary<int, ulong> QemuLegacyCapByAwBits = new() { [39] = 0xd2008c22260206, [48] = 0xd2008c222f0606 };

    private static unsafe (iommu_hw_info Reply, byte[] Data) GetHwInfo(IommuFd iommu, uint deviceId)
    {
        // Larger than any known struct: the kernel zero-fills the tail and reports the length it filled.
        var data = new byte[128];
        var info = iommu_hw_info.Create();
        info.dev_id = deviceId;
        info.data_len = (uint)data.Length;
        fixed (byte* buffer = data)
        {
            info.data_uptr = (ulong)buffer;
            Ioctls.IOMMU_GET_HW_INFO((int)iommu.Handle.DangerousGetHandle(), ref info);
        }
        return (info, data);
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Edu_behind_emulated_vtd_reports_qemus_legacy_registers_decoded_as_the_spec_says()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var iommu = IommuFd.Open();
        using var device = VfioDevice.Open(QemuEduDevice.CdevPath);
        var deviceId = device.BindIommufd(iommu);

        var (reply, data) = GetHwInfo(iommu, deviceId);
        var info = HwInfo.Decode((HwInfoType)reply.out_data_type, data.AsSpan(0, (int)reply.data_len),
            reply.out_capabilities, reply.out_max_pasid_log2);
        TestContext.Current.TestOutputHelper?.WriteLine(info.Describe());

        Assert.Equal(HwInfoType.IntelVtd, info.Type);
        Assert.Equal(iommu_hw_info_vtd.NativeSize, info.Data.Length);
        Assert.True(data.AsSpan((int)reply.data_len).IndexOfAnyExcept((byte)0) < 0, "the kernel left bytes after data_len non-zero");
        var vtd = Assert.IsType<VtdCapabilities>(info.Vtd);
        Assert.Equal(0xf00f4aUL, vtd.EcapReg);
        // 7.3's intel_iommu_hw_info() sets the SPR17 erratum flag unconditionally.
        Assert.True(vtd.Errata772415Spr17);

        // The cap register follows aw-bits (run-in-vm --aw-bits 39|48; QEMU's default was 39 up to 8.x, 48 from 9.0):
        // SAGAW and MGAW are what differ. 0xd2008c22260206 was measured with 39 bits, 0xd2008c222f0606 with 48, in our guest.
        Assert.True(QemuLegacyCapByAwBits.ContainsValue(vtd.CapReg), $"cap 0x{vtd.CapReg:x} is neither known QEMU legacy-mode value");
        var awBits = QemuLegacyCapByAwBits.Single(known => known.Value == vtd.CapReg).Key;
        int[] widths = awBits == 39 ? [39] : [39, 48];
        Assert.Equal(widths, vtd.SupportedAddressWidths);
        Assert.Equal(awBits, vtd.MaxGuestAddressWidth);

        // What the planner reads: second-stage tables with 2 MiB and 1 GiB pages in legacy (not scalable)
        // mode, so no first stage, no nesting, no PASID, no dirty tracking: shadowing is the only plan.
        Assert.True(vtd.SecondStage2MiBPages && vtd.SecondStage1GiBPages);
        Assert.False(vtd.ScalableMode);
        Assert.False(vtd.FirstStageTranslation);
        Assert.False(vtd.Nesting);
        Assert.Equal(0, vtd.PasidBits);
        Assert.False(vtd.SecondStageDirtyTracking);
        Assert.True(vtd.PassThrough);
        Assert.True(vtd.InterruptRemapping);
        // The generic view agrees: no dirty tracking, no PASID, and edu has no ATS capability, which a kernel that knows
        // the negative bit IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED reports (7.3); one that predates it (6.12) reports nothing.
        var atsReported = iommu.Features.Supports(nameof(iommufd_hw_capabilities.IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED));
        GuestKernel.Report($"IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED {(atsReported ? "reported" : "not reported by this kernel")}");
        Assert.Equal(atsReported ? HwCapabilities.PciAtsNotSupported : 0, info.Capabilities);
        Assert.Equal(0, info.MaxPasidLog2);

        // The runtime's wrapper of the same ioctl decodes to the same thing.
        Assert.Equal(info, iommu.GetHwInfo(deviceId));
    }
}
