namespace Linux.Iommu.Testing;

/// <summary>A driver for QEMU's "edu" PCI device (1234:11e8) as a DMA engine and interrupt source: BAR0 registers 0x80
/// source, 0x88 destination, 0x90 count, 0x98 command (bit 0 start, bit 1 direction: set = device buffer → RAM, bit 2
/// raise interrupt 0x100 when done); its own buffer sits at 0x40000 in the device's address space; it masks DMA
/// addresses to 28 bits. 0x08 computes a factorial, 0x20 is the status (bit 0 computing, bit 7 raise interrupt 0x1 when
/// the factorial is done), 0x24 the interrupt status, 0x64 acknowledges; the interrupt is INTx, or its one MSI vector
/// once MSI is enabled (QEMU hw/misc/edu.c, docs/specs/edu.rst).</summary>
public sealed class QemuEduDevice
{
    /// <summary>Where the device's own 4 KiB buffer sits in its DMA address space.</summary>
    public const ulong DeviceBuffer = 0x40000;

    /// <summary>The largest transfer used: half the buffer, because edu.c's range check refused a transfer that ends exactly
    /// at the buffer's end until QEMU fixed it ("end1 &lt;= end2", 2023); Debian bookworm's QEMU 7.2 refused it when measured here.</summary>
    public const int MaxTransfer = 2048;
    private const ulong Source = 0x80, Destination = 0x88, Count = 0x90, Command = 0x98;
    private const ulong Start = 1, ToRam = 2, RaiseWhenDone = 4;
    private const ulong FactorialRegister = 0x08, Status = 0x20, InterruptStatusRegister = 0x24, InterruptAcknowledge = 0x64;
    private const uint Computing = 0x01, FactorialRaises = 0x80;

    /// <summary>The interrupt status bit of a finished factorial (edu.c FACT_IRQ).</summary>
    public const uint FactorialInterrupt = 0x1;

    /// <summary>The interrupt status bit of a finished DMA that asked for it (edu.c DMA_IRQ).</summary>
    public const uint DmaInterrupt = 0x100;

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

    /// <summary>Starts RAM at <paramref name="iova"/> → the device's buffer and returns; the device raises
    /// <see cref="DmaInterrupt"/> when done (edu's DMA timer fires 100 ms of virtual time after the start).</summary>
    public void StartCopyToDevice(ulong iova, int length) => Program(iova, DeviceBuffer, length, Start | RaiseWhenDone);

    /// <summary>Whether a transfer is still running (the command's start bit).</summary>
    public bool DmaRunning => (_bar0.Read64(Command) & Start) != 0;

    /// <summary>Starts computing <paramref name="n"/>! and returns; with <paramref name="raiseInterrupt"/> the device raises
    /// <see cref="FactorialInterrupt"/> when done.</summary>
    public void StartFactorial(uint n, bool raiseInterrupt)
    {
        _bar0.Write32(Status, raiseInterrupt ? FactorialRaises : 0);
        _bar0.Write32(FactorialRegister, n);
    }

    /// <summary>Whether the factorial is still being computed.</summary>
    public bool ComputingFactorial => (_bar0.Read32(Status) & Computing) != 0;

    /// <summary>The factorial register: the result once <see cref="ComputingFactorial"/> is false (32 bits, wrapping).</summary>
    public uint Factorial => _bar0.Read32(FactorialRegister);

    /// <summary>The interrupt status register: the causes raised and not yet acknowledged.</summary>
    public uint InterruptStatus => _bar0.Read32(InterruptStatusRegister);

    /// <summary>Clears <paramref name="causes"/> from the interrupt status; with INTx the pin drops once none is left.</summary>
    public void AcknowledgeInterrupt(uint causes) => _bar0.Write32(InterruptAcknowledge, causes);

    private void Program(ulong source, ulong destination, int length, ulong command)
    {
        _bar0.Write64(Source, source);
        _bar0.Write64(Destination, destination);
        _bar0.Write64(Count, (ulong)length);
        _bar0.Write64(Command, command);
    }

    private void Transfer(ulong source, ulong destination, int length, ulong command)
    {
        Program(source, destination, length, command);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while ((_bar0.Read64(Command) & Start) != 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("edu DMA did not complete in 10 s");
            Thread.Sleep(1);
        }
    }
}
