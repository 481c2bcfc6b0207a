using Linux.Iommu;

namespace Vm.Tests.Runtime;

/// <summary>What a test asks of a <see cref="VfioDeviceSet"/>'s address space whatever its backend.</summary>
internal static class DeviceSetMappings
{
    /// <summary>Unmaps everything in the set's IOAS or container; returns the bytes that were still mapped.</summary>
    public static ulong UnmapAll(this VfioDeviceSet set) => set.Ioas?.UnmapAll() ?? set.Container!.UnmapAll();
}
