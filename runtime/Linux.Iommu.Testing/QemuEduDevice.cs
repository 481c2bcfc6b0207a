namespace Linux.Iommu.Testing;

/// <summary>A driver for QEMU's "edu" PCI device (1234:11e8) as a DMA engine: BAR0 registers 0x80 source, 0x88 destination,
/// 0x90 count, 0x98 command (bit 0 start, bit 1 direction: set = device buffer → RAM); its own buffer sits at
/// 0x40000 in the device's address space; it masks DMA addresses to 28 bits (QEMU hw/misc/edu.c, docs/specs/edu.rst).</summary>
public sealed class QemuEduDevice
{
    /// <summary>Where the device's own 4 KiB buffer sits in its DMA address space.</summary>
    public const ulong DeviceBuffer = 0x40000;

    /// <summary>The largest transfer used: half the buffer, because edu.c's range check refused a transfer that ends exactly
    /// at the buffer's end until QEMU fixed it ("end1 &lt;= end2", 2023); Debian bookworm's QEMU 7.2 refused it when measured here.</summary>
    public const int MaxTransfer = 2048;
    private const ulong Source = 0x80, Destination = 0x88, Count = 0x90, Command = 0x98;
    private const ulong Start = 1, ToRam = 2;

    private readonly DeviceRegion _bar0;

    /// <summary>Drives the device through its mapped BAR0 (<see cref="VfioDevice.MapRegion"/>(0)).</summary>
    public QemuEduDevice(DeviceRegion bar0) => _bar0 = bar0;

    /// <summary>QEMU's vendor id and edu's device id.</summary>
    public const ushort VendorId = 0x1234, DeviceId = 0x11e8;

    /// <summary>Every edu device of this machine, in PCI address order.</summary>
    public static IReadOnlyList<PciDevice> Devices => PciDevice.FindById(VendorId, DeviceId);

    /// <summary>The first edu device.</summary>
    public static PciDevice First => Devices.FirstOrDefault() ?? throw new InvalidOperationException($"no QEMU edu device (PCI {VendorId:x4}:{DeviceId:x4}) on this machine");

    /// <summary>/dev/vfio/devices/vfioN of the first edu device.</summary>
    public static string CdevPath => First.RequireCdevPath();

    /// <summary>Its PCI address, the name VFIO_GROUP_GET_DEVICE_FD takes.</summary>
    public static string PciAddress => First.Address;

    /// <summary>Its IOMMU group number.</summary>
    public static int Group => First.RequireIommuGroup();

    /// <summary>RAM at <paramref name="iova"/> → the device's buffer.</summary>
    public void CopyToDevice(ulong iova, int length) => Transfer(iova, DeviceBuffer, length, Start);

    /// <summary>The device's buffer → RAM at <paramref name="iova"/>.</summary>
    public void CopyFromDevice(ulong iova, int length) => Transfer(DeviceBuffer, iova, length, Start | ToRam);

    private void Transfer(ulong source, ulong destination, int length, ulong command)
    {
        _bar0.Write64(Source, source);
        _bar0.Write64(Destination, destination);
        _bar0.Write64(Count, (ulong)length);
        _bar0.Write64(Command, command);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((_bar0.Read64(Command) & Start) != 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("edu DMA did not complete in 10 s");
            Thread.Sleep(1);
        }
    }
}
