using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Planner;
using Id = Linux.Iommu.Planner.RequirementId;
using Vm.Tests.Planner;
using Vm.Tests.Runtime;

namespace Vm.Tests.Modes;

/// <summary>IOMMU_GET_HW_INFO and the planner in each emulated VT-d mode of QEMU ≥ 10 (tests/vm/run-in-vm
/// <c>--vtd legacy|scalable|scalable-flts --aw-bits 39|48 --fs1gp on|off</c>; tier.sh boots each mode once and runs this class).
/// Every expectation follows from the mode the guest was booted in (<see cref="VtdBootMode"/>): QEMU's
/// intel-iommu sets SMTS in scalable mode, SSTS without x-flts, FSTS and FS1GP (unless fs1gp=off) with it, MGAW/SAGAW from aw-bits,
/// and never NEST (QEMU's hw/i386/intel_iommu.c, where the capability registers are set).</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]
[Trait("Boot", "vtd-mode")] // and once in each other emulated VT-d mode
public sealed class VtdModeTests
{
    [Fact]
    public void GetHwInfo_decodes_the_VTd_registers_of_the_booted_mode()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var mode = VtdBootMode.Current;
        using var attached = EduIoas.Open();
        var info = attached.Iommu.GetHwInfo(attached.DeviceId);
        TestContext.Current.TestOutputHelper?.WriteLine($"{mode}:\n{info.Describe()}");

        Assert.Equal(HwInfoType.IntelVtd, info.Type);
        var vtd = Assert.IsType<VtdCapabilities>(info.Vtd);
        var registers = $"{mode}: cap 0x{vtd.CapReg:x}, ecap 0x{vtd.EcapReg:x}";
        Assert.True(mode.ScalableMode == vtd.ScalableMode, $"SMTS: {registers}");
        Assert.True(mode.FirstStage == vtd.FirstStageTranslation, $"FSTS: {registers}");
        Assert.True(mode.FirstStage1GiBPages == vtd.FirstStage1GiBPages, $"FS1GP: {registers}");
        Assert.True((mode.Mode == VtdBootMode.Scalable) == vtd.SecondStageTranslation, $"SSTS (scalable mode without x-flts): {registers}");
        Assert.False(vtd.Nesting, $"NEST: {registers}");
        Assert.False(vtd.SecondStageDirtyTracking, $"SSADS: {registers}");
        Assert.Equal(mode.AwBits, vtd.MaxGuestAddressWidth);
        Assert.Equal(mode.AwBits == 39 ? [39] : [39, 48], vtd.SupportedAddressWidths);
        // Legacy and second-stage translation: 2 MiB and 1 GiB pages; pass-through and interrupt remapping in every mode.
        Assert.True(vtd.SecondStage2MiBPages && vtd.SecondStage1GiBPages, $"SLLPS: {registers}");
        Assert.True(vtd.PassThrough && vtd.InterruptRemapping, $"PT, IR: {registers}");
        Assert.Equal(0, vtd.PasidBits);
    }

    [Fact]
    public void A_second_stage_VTd_guest_with_caching_mode_plans_Shadow_and_the_report_names_each_missing_bit()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var mode = VtdBootMode.Current;
        var report = PlannerVmTests.PlanWithEdu("vtd-shadow-4k.json");
        TestContext.Current.TestOutputHelper?.WriteLine($"{mode}:\n{report.Describe()}");

        Assert.True(report.Decision == PlanDecision.Shadow, report.Describe());
        // The guest writes second-stage tables, which nesting cannot run; and the host: only NEST is missing with x-flts,
        // scalable mode lacks first-stage tables too, legacy mode also lacks SMTS.
        string[] missing = mode.Mode switch
        {
            VtdBootMode.ScalableFlts => [Id.VtdGuestFirstStage, Id.VtdNest],
            VtdBootMode.Scalable => [Id.VtdGuestFirstStage, Id.VtdNest, Id.VtdFirstStage],
            _ => [Id.VtdGuestFirstStage, Id.VtdNest, Id.VtdFirstStage, Id.VtdScalableMode],
        };
        Assert.Equal(missing, report.Failures(PlanDecision.Nested).Select(f => f.Requirement.Id));
        Assert.Contains(report.Devices[0].Nested, r => r is { Id: Id.VtdNest, Required: "yes", Offered: "no", Met: false });
        Assert.Empty(report.Failures(PlanDecision.Shadow));
        Assert.Contains(report.Devices[0].Shadow, r => r is { Id: Id.VtdCachingMode, Met: true });
    }

    [Fact]
    public void A_first_stage_VTd_guest_is_Refused_in_every_mode_for_want_of_a_walker()
    {
        // QEMU with x-flts=on as the VMM: "host device is uncompatible with stage-1 translation"
        GuestKernel.Require(KernelOffer.Iommufd);
        var mode = VtdBootMode.Current;
        var spec = SpecLoader.Load(PlannerVmTests.Spec("vtd-shadow-4k.json")) is var s
            ? s with { Model = (IntelVtdModel)s.Model with { FirstStage = true }, InputAddressWidth = 48 }
            : throw new InvalidOperationException();
        var report = PlannerVmTests.PlanWithEdu(spec);
        TestContext.Current.TestOutputHelper?.WriteLine($"{mode}:\n{report.Describe()}");

        Assert.True(report.Decision == PlanDecision.Refused, report.Describe());
        Assert.Contains(report.Failures(PlanDecision.Nested), f => f.Requirement.Id == Id.VtdNest);
        Assert.DoesNotContain(report.Failures(PlanDecision.Nested), f => f.Requirement.Id == Id.VtdGuestFirstStage);
        Assert.Contains(report.Failures(PlanDecision.Shadow), f => f.Requirement is { Id: Id.ShadowGuestTables, Offered: "no walker for VT-d first-stage tables" });
    }

    [Fact]
    public void A_48_bit_VTd_guest_plans_Shadow_where_the_IOAS_reaches_48_bits_and_is_Refused_below()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var mode = VtdBootMode.Current;
        var report = PlannerVmTests.PlanWithEdu("vtd-48bit-iova.json");
        TestContext.Current.TestOutputHelper?.WriteLine($"{mode}:\n{report.Describe()}");

        var highRange = new IovaRange(0x80_0000_0000, 0x80_ffff_ffff).ToString();
        var shadowFailures = report.Failures(PlanDecision.Shadow).Select(f => f.Requirement).ToList();
        if (mode.IovaBits < 48)
        {
            // QEMU: "aw-bits 48 > host aw-bits 39" (47 with x-flts, where the range the spec lists still fits)
            Assert.True(report.Decision == PlanDecision.Refused, report.Describe());
            Assert.Contains(shadowFailures, r => r.Id == Id.ShadowAddressWidth);
            Assert.Equal(mode.AwBits == 39, shadowFailures.Any(r => r.Id == Id.ShadowIovaRange && r.Required == highRange));
        }
        else
        {
            Assert.True(report.Decision == PlanDecision.Shadow, report.Describe());
            Assert.Empty(shadowFailures);
        }
        Assert.Equal(mode.AwBits == 39, report.Failures(PlanDecision.Nested).Any(f => f.Requirement.Id == Id.VtdAddressWidth));
    }

    [Fact]
    public void A_VTd_guest_with_first_stage_1GiB_pages_is_refused_nesting_on_FS1GP_exactly_when_the_host_lacks_it()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        var mode = VtdBootMode.Current;
        var spec = SpecLoader.Load(PlannerVmTests.Spec("vtd-shadow-4k.json")) is var s
            ? s with { Model = (IntelVtdModel)s.Model with { FirstStage1GiBPages = true } }
            : throw new InvalidOperationException();
        var report = PlannerVmTests.PlanWithEdu(spec);
        TestContext.Current.TestOutputHelper?.WriteLine($"{mode}:\n{report.Describe()}");

        var fs1gp = report.Failures(PlanDecision.Nested).Select(f => f.Requirement).Where(r => r.Id == Id.VtdFirstStage1GiBPages);
        if (mode.FirstStage1GiBPages) Assert.Empty(fs1gp);
        else Assert.Equal(("yes", "no"), (Assert.Single(fs1gp).Required, Assert.Single(fs1gp).Offered));
        Assert.True(report.Decision == PlanDecision.Shadow, report.Describe()); // still no NEST on emulated VT-d
    }
}
