using System.Runtime.InteropServices;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing.Native;

namespace Linux.Iommu.Testing;

/// <summary>The planner's <c>selftest-mock</c> model: a guest whose host IOMMU is the kernel selftest's mock driver
/// (IOMMU_HW_INFO_TYPE_SELFTEST of iommufd_test.h). It has no page tables of its own to walk (the test maps the IOAS
/// itself) and nests with the selftest's HWPT data.</summary>
public sealed record SelftestMockModel : ViommuModel
{
    /// <summary>The one instance to register with a <see cref="ViommuPlanner"/>.</summary>
    public static SelftestMockModel Instance { get; } = new();

    private SelftestMockModel()
    {
    }

    /// <inheritdoc/>
    public override string Name => "selftest-mock";

    /// <inheritdoc/>
    public override HwInfoType HostType => (HwInfoType)SelftestConstants.IOMMU_HW_INFO_TYPE_SELFTEST;

    /// <inheritdoc/>
    public override string HostTypeName => $"selftest mock (IOMMU_HW_INFO_TYPE_SELFTEST 0x{(uint)HostType:x})";

    /// <summary>None: the mock's guest has no page tables.</summary>
    public override GuestPageTableFormat? ShadowFormat(GuestViommuSpec spec, out string tables)
    {
        tables = "no tables (selftest mock)";
        return null;
    }

    /// <summary>Shadowing needs no walker: the test maps the IOAS itself.</summary>
    public override IEnumerable<Requirement> ShadowRequirements(GuestViommuSpec spec) =>
        [GuestTables(true, "no tables to walk (selftest mock: the test maps the IOAS itself)")];

    /// <summary>Nested objects on the mock (iommufd.c TEST_F(iommufd_ioas, alloc_hwpt_nested)): a nest-parent HWPT on the
    /// IOAS and a nested HWPT of the selftest data type on it.</summary>
    public override NestedSetup AllocateNested(IommuFd iommu, Ioas ioas, uint deviceId, GuestViommuSpec spec) =>
        OnNestParent(iommu, ioas, deviceId, parent =>
        {
            var data = new iommu_hwpt_selftest { iotlb = (uint)SelftestConstants.IOMMU_TEST_IOTLB_DEFAULT };
            var nested = HwPagetable.Allocate(iommu, deviceId, parent.Id, 0, (HwptDataType)SelftestConstants.IOMMU_HWPT_DATA_SELFTEST,
                MemoryMarshal.AsBytes(new ReadOnlySpan<iommu_hwpt_selftest>(in data))[..SelftestKernel.SizeOf(iommu, nameof(iommu_hwpt_selftest))]);
            return new NestedSetup(parent, null, nested);
        });

    /// <summary>A 48-bit, 4 KiB guest of the mock, as the selftest's nesting cases use it.</summary>
    public override GuestViommuSpec PassThrough(HwInfo host) => new(this, 48, [4096], []);
}
