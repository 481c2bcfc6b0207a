using Linux.Iommu.Native;

namespace Linux.Iommu.Planner;

/// <summary>The allocators for the real IOMMU models (driver data as include/uapi/linux/iommufd.h documents it).</summary>
public static class NestedAllocators
{
    /// <summary>VT-d: nest parent, then a first-stage HWPT (struct iommu_hwpt_vtd_s1) of the guest's address width.</summary>
    public static NestedSetup IntelVtd(IommuFd iommu, Ioas ioas, uint deviceId, GuestViommuSpec spec)
    {
        var parent = HwPagetable.Allocate(iommu, deviceId, ioas.Id, iommufd_hwpt_alloc_flags.IOMMU_HWPT_ALLOC_NEST_PARENT);
        try
        {
            var stage1 = new iommu_hwpt_vtd_s1 { addr_width = (uint)spec.InputAddressWidth, pgtbl_addr = 0 }; // the guest's root is set on attach
            var nested = HwPagetable.Allocate(iommu, deviceId, parent.Id, 0, iommu_hwpt_data_type.IOMMU_HWPT_DATA_VTD_S1, Bytes(ref stage1));
            return new NestedSetup(parent, null, nested);
        }
        catch
        {
            parent.Dispose();
            throw;
        }
    }

    /// <summary>SMMUv3: nest parent, a vIOMMU on it, then a nested HWPT with an abort STE (the guest's is set later).</summary>
    public static NestedSetup ArmSmmuV3(IommuFd iommu, Ioas ioas, uint deviceId, GuestViommuSpec spec)
    {
        var parent = HwPagetable.Allocate(iommu, deviceId, ioas.Id, iommufd_hwpt_alloc_flags.IOMMU_HWPT_ALLOC_NEST_PARENT);
        Viommu? viommu = null;
        try
        {
            viommu = Viommu.Allocate(iommu, iommu_viommu_type.IOMMU_VIOMMU_TYPE_ARM_SMMUV3, deviceId, parent.Id);
            var ste = new iommu_hwpt_arm_smmuv3(); // STE.V = 0: abort until the guest installs its own
            var nested = HwPagetable.Allocate(iommu, deviceId, viommu.Id, 0, iommu_hwpt_data_type.IOMMU_HWPT_DATA_ARM_SMMUV3, Bytes(ref ste));
            return new NestedSetup(parent, viommu, nested);
        }
        catch
        {
            viommu?.Dispose();
            parent.Dispose();
            throw;
        }
    }

    /// <summary>AMD: nest parent, then a guest HWPT (struct iommu_hwpt_amd_guest) with an empty DTE.</summary>
    public static NestedSetup AmdVi(IommuFd iommu, Ioas ioas, uint deviceId, GuestViommuSpec spec)
    {
        var parent = HwPagetable.Allocate(iommu, deviceId, ioas.Id, iommufd_hwpt_alloc_flags.IOMMU_HWPT_ALLOC_NEST_PARENT);
        try
        {
            var dte = new iommu_hwpt_amd_guest();
            var nested = HwPagetable.Allocate(iommu, deviceId, parent.Id, 0, iommu_hwpt_data_type.IOMMU_HWPT_DATA_AMD_GUEST, Bytes(ref dte));
            return new NestedSetup(parent, null, nested);
        }
        catch
        {
            parent.Dispose();
            throw;
        }
    }

    internal static ReadOnlySpan<byte> Bytes<T>(ref T value) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(new Span<T>(ref value)).ToArray();
}
