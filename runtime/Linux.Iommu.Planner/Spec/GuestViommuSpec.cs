namespace Linux.Iommu.Planner;

/// <summary>The guest-visible vIOMMU, as the user configured it. Everything the guest can observe is here, so a
/// VM keeps the same vIOMMU across hosts and migrations; the planner only answers whether (and how) this host can
/// provide it. <see cref="HostPassthrough"/> marks a spec derived from the host (like <c>-cpu host</c>): such a VM is
/// not migratable.</summary>
/// <param name="Model">The IOMMU model.</param>
/// <param name="InputAddressWidth">Guest IOVA width in bits (VT-d: the width the guest programs; SMMUv3: input size).</param>
/// <param name="PageSizes">Page sizes the guest's page tables may use, in bytes (powers of two; the smallest is the granule).</param>
/// <param name="IovaRanges">Guest IOVA ranges devices must reach, inclusive.</param>
/// <param name="PasidBits">PASID (SMMUv3: substream id) width offered to the guest; 0 for none.</param>
/// <param name="Pri">Page request interface offered to the guest.</param>
/// <param name="DirtyTracking">The guest (or the VMM for migration) needs dirty tracking.</param>
/// <param name="Vtd">VT-d specifics (null for other models).</param>
/// <param name="SmmuV3">SMMUv3 specifics (null for other models).</param>
/// <param name="HostPassthrough">Derived from the host: not migratable.</param>
/// <param name="BridgedDevices">What to do with devices that share an IOMMU group (behind one PCIe-to-PCI bridge they
/// share a requester ID, so no IOMMU can tell them apart): give them one page table, or refuse such a VM.</param>
/// <param name="Extension">The model's definition when <paramref name="Model"/> is <see cref="GuestIommuModel.Extension"/>.</param>
public sealed record GuestViommuSpec(
    GuestIommuModel Model,
    int InputAddressWidth,
    IReadOnlyList<ulong> PageSizes,
    IReadOnlyList<IovaRange> IovaRanges,
    int PasidBits = 0,
    bool Pri = false,
    bool DirtyTracking = false,
    VtdGuestSpec? Vtd = null,
    SmmuV3GuestSpec? SmmuV3 = null,
    bool HostPassthrough = false,
    BridgedDevices BridgedDevices = BridgedDevices.SharePageTable,
    ViommuModelExtension? Extension = null)
{
    /// <summary>The model as a spec names it ("intel-vtd", or the extension's name).</summary>
    public string ModelName => Model switch
    {
        GuestIommuModel.IntelVtd => "intel-vtd",
        GuestIommuModel.ArmSmmuV3 => "arm-smmuv3",
        GuestIommuModel.AmdVi => "amd-vi",
        _ => Extension?.Name ?? "extension (none given)",
    };

    /// <summary>The smallest page size: the granule shadowing must be able to map.</summary>
    public ulong SmallestPageSize => PageSizes.Min();

    /// <summary>Whether the VM can move to another host with the same spec.</summary>
    public bool Migratable => !HostPassthrough;
}

/// <summary>How devices that share an IOMMU group are placed.</summary>
public enum BridgedDevices
{
    /// <summary>They share one page table (one nested HWPT, or the one shadow IOAS): the guest's vIOMMU sees them behind the
    /// same bridge, as the host IOMMU does.</summary>
    SharePageTable,
    /// <summary>The VM's topology cannot place them together: refuse to start.</summary>
    Refuse,
}

/// <summary>What a guest VT-d offers beyond the common fields.</summary>
/// <param name="FirstStage1GiBPages">The guest's first-stage tables may use 1 GiB pages (FS1GP).</param>
/// <param name="ScalableMode">Scalable mode (needed for first-stage/nested translation).</param>
public sealed record VtdGuestSpec(bool FirstStage1GiBPages = false, bool ScalableMode = true);

/// <summary>What a guest SMMUv3 offers beyond the common fields (register fields of the SMMUv3 architecture).</summary>
/// <param name="TwoLevelStreamTable">IDR0.ST_LEVEL = 2-level.</param>
/// <param name="Aarch64Tables">IDR0.TTF includes AArch64 tables (AArch32 otherwise).</param>
/// <param name="StreamIdBits">IDR1.SIDSIZE.</param>
/// <param name="RangeInvalidation">IDR3.RIL.</param>
/// <param name="OutputAddressBits">IDR5.OAS, in bits.</param>
/// <param name="Granule4K">IDR5.GRAN4K.</param>
/// <param name="Granule16K">IDR5.GRAN16K.</param>
/// <param name="Granule64K">IDR5.GRAN64K.</param>
public sealed record SmmuV3GuestSpec(
    bool TwoLevelStreamTable = false,
    bool Aarch64Tables = true,
    int StreamIdBits = 16,
    bool RangeInvalidation = false,
    int OutputAddressBits = 44,
    bool Granule4K = true,
    bool Granule16K = false,
    bool Granule64K = false);
