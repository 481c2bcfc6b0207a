using System.Runtime.InteropServices;
using Linux.Iommu;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;

namespace Vm.Tests.Planner;

/// <summary>End to end through a Shadow plan and the shadow engine, on either IOMMU family and either backend of a
/// <see cref="VfioDeviceSet"/> (the shadow lands in the set's IOAS, or in its type1 container — the only way on a kernel
/// without iommufd): the guest spec of the host's family (VT-d on x86, SMMUv3 in the aarch64 guest) plans Shadow; a
/// simulated guest writes that family's page tables
/// (VT-d second-stage, SMMUv3 stage-1) into its RAM, maps two guest IOVAs and invalidates; the edu device DMAs through
/// them and the bytes land in the guest pages the tables name; a write to the guest's read-only page is blocked; after
/// the guest unmaps and invalidates, the same DMA faults and memory is untouched.</summary>
[Collection(EduCollection.Name)]
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed class ShadowDmaTests
{
    private const ulong RamGpa = 0x8000_0000, TablePool = RamGpa + (2 << 20), TargetGpa = RamGpa + 0x3000, SourceGpa = RamGpa + 0x10_0000;
    private const ulong SourceIova = 0x0100_0000, TargetIova = 0x0123_4000; // inside edu's 28-bit DMA mask
    private const int Length = QemuEduDevice.MaxTransfer;

    [Theory]
    [InlineData(IommuBackend.Iommufd)]
    [InlineData(IommuBackend.Type1)]
    [Trait("Category", "Vm")]
    public void Edu_DMA_through_a_Shadow_plan_lands_in_the_guest_page_its_tables_name_and_faults_after_the_guest_unmaps(IommuBackend backend)
    {
        using var rig = EduSet.Open(backend);
        var arm = RuntimeInformation.ProcessArchitecture == Architecture.Arm64; // the aarch64 guest's IOMMU is SMMUv3
        var spec = SpecLoader.Load(PlannerVmTests.Spec(arm ? "smmuv3-qemu-virt.json" : "vtd-shadow-4k.json"));
        using var plan = new ViommuPlanner().Plan(spec, rig.Set);
        Assert.True(plan.Decision == PlanDecision.Shadow, plan.Report.Describe());
        Assert.Same(rig.Mapper, plan.ShadowTarget);
        var format = GuestPageTableFormat.For(spec, out var tables) ?? throw new InvalidOperationException($"no walker for {tables}");
        TestContext.Current.TestOutputHelper?.WriteLine($"{backend}: the guest writes {format.Name}, {spec.InputAddressWidth}-bit IOVAs, shadowed into {plan.Report.ShadowTarget}");

        var (edu, bar0) = rig.OpenEdu();
        using var _ = bar0;
        using var ram = DmaBuffer.Allocate(4 << 20);
        var memory = new GuestMemory().Add(RamGpa, ram);
        var guest = new GuestPageTableBuilder(memory, TablePool, 1 << 20, format, spec.InputAddressWidth);
        var shadow = new ShadowEngine(plan.ShadowTarget, memory, guest.Table);
        var source = ram.Span.Slice((int)(SourceGpa - RamGpa), Length);
        var target = ram.Span.Slice((int)(TargetGpa - RamGpa), Length);

        Random.Shared.NextBytes(source);
        var original = source.ToArray();
        guest.Map(SourceIova, SourceGpa, 4096, DmaAccess.Read);
        guest.Map(TargetIova, TargetGpa, 4096, DmaAccess.ReadWrite);
        shadow.InvalidateAll();
        Assert.Equal(2, shadow.Stats.MapIoctls);

        target.Fill(0xEE);
        edu.CopyToDevice(SourceIova, Length);
        edu.CopyFromDevice(TargetIova, Length);
        Assert.True(target.SequenceEqual(source), "the DMA did not land in the guest page the guest's tables name");

        target.Fill(0x5A);
        edu.CopyToDevice(TargetIova, Length);
        edu.CopyFromDevice(SourceIova, Length);
        Assert.True(source.SequenceEqual(original), "the device wrote to a page the guest mapped read-only");

        guest.Unmap(TargetIova, 4096);
        shadow.Invalidate(TargetIova, 4096);
        target.Fill(0xEE);
        edu.CopyFromDevice(TargetIova, Length);
        Assert.True(target.IndexOfAnyExcept((byte)0xEE) < 0, "DMA reached guest memory after the guest unmapped and invalidated");

        guest.Unmap(SourceIova, 4096);
        shadow.InvalidateAll();
        Assert.Empty(shadow.Areas);
        rig.AssertNothingLeft();
    }
}
