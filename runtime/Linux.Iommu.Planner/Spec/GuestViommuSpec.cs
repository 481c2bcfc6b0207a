namespace Linux.Iommu.Planner;

/// <summary>The guest-visible vIOMMU, as the user configured it. Everything the guest can observe is here, so a
/// VM keeps the same vIOMMU across hosts and migrations; the planner only answers whether (and how) this host can
/// provide it. <see cref="HostPassthrough"/> marks a spec derived from the host (like <c>-cpu host</c>): such a VM is
/// not migratable.</summary>
/// <param name="Model">The IOMMU model, with the fields only that model has (<see cref="IntelVtdModel"/>,
/// <see cref="ArmSmmuV3Model"/>, <see cref="AmdViModel"/>, or a registered plug-in's).</param>
/// <param name="InputAddressWidth">Guest IOVA width in bits (VT-d: the width the guest programs; SMMUv3: input size).</param>
/// <param name="PageSizes">Page sizes the guest's page tables may use, in bytes (powers of two; the smallest is the granule).</param>
/// <param name="IovaRanges">Guest IOVA ranges devices must reach, inclusive.</param>
/// <param name="PasidBits">PASID (SMMUv3: substream id) width offered to the guest; 0 for none.</param>
/// <param name="Pri">Page request interface offered to the guest.</param>
/// <param name="DirtyTracking">The guest (or the VMM for migration) needs dirty tracking.</param>
/// <param name="HostPassthrough">Derived from the host: not migratable.</param>
/// <param name="BridgedDevices">What to do with devices that share an IOMMU group (behind one PCIe-to-PCI bridge they
/// share a requester ID, so no IOMMU can tell them apart): give them one page table, or refuse such a VM.</param>
public sealed record GuestViommuSpec(
    ViommuModel Model,
    int InputAddressWidth,
    IReadOnlyList<ulong> PageSizes,
    IReadOnlyList<IovaRange> IovaRanges,
    int PasidBits = 0,
    bool Pri = false,
    bool DirtyTracking = false,
    bool HostPassthrough = false,
    BridgedDevices BridgedDevices = BridgedDevices.SharePageTable)
{
    /// <summary>The smallest page size: the granule shadowing must be able to map.</summary>
    public ulong SmallestPageSize => PageSizes.Min();

    /// <summary>The highest IOVA of a <paramref name="width"/>-bit input address space.</summary>
    internal static ulong HighestIova(int width) => width >= 64 ? ulong.MaxValue : (1UL << width) - 1;

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
