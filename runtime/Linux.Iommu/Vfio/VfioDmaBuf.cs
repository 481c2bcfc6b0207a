using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Linux.Iommu.Native;
using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu;

/// <summary>A slice of a VFIO PCI device's BAR exported as a dma-buf (VFIO_DEVICE_FEATURE_DMA_BUF, Linux 6.19+, the kernel
/// built with CONFIG_VFIO_PCI_DMABUF and CONFIG_PCI_P2PDMA), which <see cref="Ioas.MapFile"/> maps into an IOAS
/// (IOMMU_IOAS_MAP_FILE accepts single-range VFIO dma-bufs) so that another device DMAs into this one's BAR.
/// The exporter stays in charge: while the device's memory decoding is off, during a reset and once the device is closed,
/// the kernel revokes the dma-buf, which unmaps it from every IOMMU domain (the IOAS keeps the area, DMA to it faults) and
/// makes a new MAP_FILE of it fail with ENODEV; unmap the area and map a new export once the device is back.</summary>
public static class VfioDmaBuf
{
    /// <summary>Exports [<paramref name="offset"/>, + <paramref name="length"/>) of region <paramref name="regionIndex"/>
    /// (a BAR: VFIO_PCI_BAR0_REGION_INDEX..BAR5; page-aligned offset and length) of <paramref name="device"/> as a
    /// dma-buf; the caller owns the returned descriptor (close it to release the export).</summary>
    /// <exception cref="IommuException">VFIO_DEVICE_FEATURE: ENODEV a region that is no BAR, EINVAL an unaligned or too
    /// long slice (or no P2P provider for the BAR), ENOTTY/EINVAL a kernel without the feature.</exception>
    public static SafeFileHandle ExportDmaBuf(this VfioDevice device, uint regionIndex, ulong offset, ulong length)
    {
        ArgumentNullException.ThrowIfNull(device);
        var header = vfio_device_feature.NativeSize;
        Span<byte> argument = stackalloc byte[header + vfio_device_feature_dma_buf.NativeSize + Unsafe.SizeOf<vfio_region_dma_range>()];
        argument.Clear();
        ref var feature = ref MemoryMarshal.AsRef<vfio_device_feature>(argument);
        feature.argsz = (uint)argument.Length;
        feature.flags = Constants.VFIO_DEVICE_FEATURE_GET | Constants.VFIO_DEVICE_FEATURE_DMA_BUF;
        ref var export = ref MemoryMarshal.AsRef<vfio_device_feature_dma_buf>(argument[header..]);
        export.region_index = regionIndex;
        export.open_flags = Posix.O_RDWR | Posix.O_CLOEXEC;
        export.nr_ranges = 1;
        MemoryMarshal.Write(argument[(header + vfio_device_feature_dma_buf.NativeSize)..], new vfio_region_dma_range { offset = offset, length = length });
        int result;
        using (var fd = device.Lease()) result = Ioctls.TryVFIO_DEVICE_FEATURE(fd.Fd, ref feature);
        if (result < 0)
            Ioctls.ThrowVFIO_DEVICE_FEATURE(-result, in feature, $"DMA_BUF export of region {regionIndex} [0x{offset:x}, +0x{length:x})");
        return new SafeFileHandle(result, ownsHandle: true);
    }
}
