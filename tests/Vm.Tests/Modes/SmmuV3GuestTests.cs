using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;
using Id = Linux.Iommu.Planner.RequirementId;
using Vm.Tests.Planner;
using Vm.Tests.Runtime;

namespace Vm.Tests.Modes;

/// <summary>The aarch64 guest (tests/vm/run-in-vm --arch aarch64: QEMU virt with iommu=smmuv3): edu sits behind a real
/// SMMUv3 driver. QEMU's SMMUv3 offers both stages with AArch64 tables but neither IORT CANWBS nor S2FWB, so the
/// kernel refuses IOMMU_VIOMMU_ALLOC (drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3-iommufd.c wants one of them) and an SMMUv3 guest plans Shadow with that finding.</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "aarch64")] // the SMMUv3 guest only
public sealed class SmmuV3GuestTests
{
    [Fact]
    public void GetHwInfo_reports_QEMUs_SMMUv3_with_both_stages_and_AArch64_tables()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        using var attached = EduIoas.Open();
        var info = attached.Iommu.GetHwInfo(attached.DeviceId);
        TestContext.Current.TestOutputHelper?.WriteLine(info.Describe());

        Assert.Equal(HwInfoType.ArmSmmuV3, info.Type);
        var smmu = Assert.IsType<SmmuV3Capabilities>(info.SmmuV3);
        Assert.True(smmu.Stage1 && smmu.Stage2, $"S1P/S2P: IDR0 0x{smmu.Idr0:x}");
        Assert.True(smmu.TranslationTableFormats.HasFlag(SmmuTranslationTableFormats.AArch64), $"TTF: IDR0 0x{smmu.Idr0:x}");
        Assert.False(smmu.Stage2ForcedWriteBack, $"S2FWB: IDR3 0x{smmu.Idr3:x}");
        Assert.False(info.Capabilities.HasFlag(HwCapabilities.DirtyTracking));
    }

    [Fact]
    public void An_SMMUv3_guest_plans_Shadow_because_the_kernel_refuses_the_vIOMMU()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var report = PlannerVmTests.PlanWithEdu("smmuv3-qemu-virt.json");
        TestContext.Current.TestOutputHelper?.WriteLine(report.Describe());

        Assert.True(report.Decision == PlanDecision.Shadow, report.Describe());
        Assert.Empty(report.Failures(PlanDecision.Shadow));
        // every IDR check passes; the nest parent allocates, then the kernel refuses the vIOMMU (no CANWBS/S2FWB)
        var finding = Assert.Single(report.Failures(PlanDecision.Nested)).Requirement;
        Assert.Equal((Id.KernelAllocatesNested, "IOMMU_VIOMMU_ALLOC failed with EOPNOTSUPP"), (finding.Id, finding.Offered));
    }

    [Fact]
    public void An_SMMUv3_guest_asking_for_more_than_the_host_registers_is_refused_nesting_naming_the_IDR_fields()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var spec = SpecLoader.Load(PlannerVmTests.Spec("smmuv3-qemu-virt.json")) is var virt
            ? virt with { Model = (ArmSmmuV3Model)virt.Model with { OutputAddressBits = 48, Granule16K = false } }
            : throw new InvalidOperationException();
        var report = PlannerVmTests.PlanWithEdu(spec);

        Assert.Equal([Id.SmmuV3OutputAddressSize, Id.SmmuV3Granules], report.Failures(PlanDecision.Nested).Select(f => f.Requirement.Id));
        var oas = report.Failures(PlanDecision.Nested).First().Requirement;
        Assert.Equal(("48 bits", "44 bits"), (oas.Required, oas.Offered));
    }

    [Fact]
    public void An_SMMUv3_guest_plans_Shadow_into_the_type1_container_behind_a_real_SMMUv3()
    {
        using var set = VfioDeviceSet.Open([QemuEduDevice.PciAddress], IommuBackend.Type1);
        using var plan = new ViommuPlanner().Plan(SpecLoader.Load(PlannerVmTests.Spec("smmuv3-qemu-virt.json")), set);
        var text = plan.Report.Describe();

        Assert.True(plan.Report.Decision == PlanDecision.Shadow, text);
        Assert.Empty(plan.Report.Failures(PlanDecision.Shadow));
        Assert.Contains(plan.Report.Failures(PlanDecision.Nested), f => f.Requirement.Id == Id.KernelIommufd);
        Assert.Same(set.Mapper, plan.ShadowTarget);
        Assert.Contains("shadowed into the legacy VFIO type1 container", text);
    }
}
