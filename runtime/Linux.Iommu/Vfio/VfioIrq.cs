using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>A vfio-pci interrupt index (VFIO_PCI_*_IRQ_INDEX): the kind of interrupt VFIO_DEVICE_SET_IRQS arms. A device
/// uses one of INTx, MSI and MSI-X at a time; ERR and REQ are VFIO's own notifications.</summary>
public enum VfioIrqIndex : uint
{
    /// <summary>The legacy pin interrupt (VFIO_PCI_INTX_IRQ_INDEX): one vector, level-triggered, masked by VFIO when it fires.</summary>
    Intx = Constants.VFIO_PCI_INTX_IRQ_INDEX,

    /// <summary>Message-signalled interrupts (VFIO_PCI_MSI_IRQ_INDEX): up to 32 vectors.</summary>
    Msi = Constants.VFIO_PCI_MSI_IRQ_INDEX,

    /// <summary>MSI-X (VFIO_PCI_MSIX_IRQ_INDEX): up to 2048 vectors, one per queue on an NVMe controller.</summary>
    Msix = Constants.VFIO_PCI_MSIX_IRQ_INDEX,

    /// <summary>AER error notification (VFIO_PCI_ERR_IRQ_INDEX).</summary>
    Error = Constants.VFIO_PCI_ERR_IRQ_INDEX,

    /// <summary>Device release request (VFIO_PCI_REQ_IRQ_INDEX).</summary>
    Request = Constants.VFIO_PCI_REQ_IRQ_INDEX,
}

/// <summary>What an interrupt index allows (struct vfio_irq_info's flags).</summary>
[Flags]
public enum VfioIrqFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>Signalled through an eventfd (VFIO_IRQ_INFO_EVENTFD).</summary>
    EventFd = Constants.VFIO_IRQ_INFO_EVENTFD,

    /// <summary>Can be masked and unmasked (VFIO_IRQ_INFO_MASKABLE).</summary>
    Maskable = Constants.VFIO_IRQ_INFO_MASKABLE,

    /// <summary>Masked by the kernel each time it fires, until VFIO_IRQ_SET_ACTION_UNMASK (VFIO_IRQ_INFO_AUTOMASKED): INTx,
    /// whose level stays asserted until the device is acknowledged.</summary>
    Automasked = Constants.VFIO_IRQ_INFO_AUTOMASKED,

    /// <summary>The vector count cannot change while enabled (VFIO_IRQ_INFO_NORESIZE): disable before enabling more.</summary>
    NoResize = Constants.VFIO_IRQ_INFO_NORESIZE,
}

/// <summary>One interrupt index of a device (VFIO_DEVICE_GET_IRQ_INFO): how many vectors it has (0: the device does not
/// have it, e.g. MSI-X on a device with only MSI) and what they allow.</summary>
public readonly record struct VfioIrqInfo(VfioIrqIndex Index, VfioIrqFlags Flags, uint Count)
{
    /// <summary>The vectors signal an eventfd (what <see cref="DriverKit.DeviceInterrupts"/> needs).</summary>
    public bool SupportsEventFd => (Flags & VfioIrqFlags.EventFd) != 0;

    /// <summary>The kernel masks a vector as it fires; it must be unmasked after the device is acknowledged.</summary>
    public bool IsAutomasked => (Flags & VfioIrqFlags.Automasked) != 0;

    /// <summary>The index's name as vfio-pci's uAPI and /proc/interrupts say it.</summary>
    public static string Name(VfioIrqIndex index) => index switch
    {
        VfioIrqIndex.Intx => "INTx",
        VfioIrqIndex.Msi => "MSI",
        VfioIrqIndex.Msix => "MSI-X",
        VfioIrqIndex.Error => "ERR",
        VfioIrqIndex.Request => "REQ",
        _ => $"IRQ index {(uint)index}",
    };
}
