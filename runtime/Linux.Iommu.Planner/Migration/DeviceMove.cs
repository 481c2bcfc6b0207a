namespace Linux.Iommu.Planner;

/// <summary>One device of a migrating VM: how it is found on the source and on the destination. Each is the device's
/// recorded name (<c>/dev/vfio/devices/vfio0 (0000:00:03.0)</c>), its PCI address (<c>0000:00:03.0</c>) or its VFIO
/// cdev (<c>/dev/vfio/devices/vfio0</c> or <c>vfio0</c>).</summary>
/// <param name="Source">The device on the source host.</param>
/// <param name="Destination">The same device on the destination host.</param>
public sealed record DeviceMove(string Source, string Destination)
{
    /// <summary>A device known by one name on both hosts.</summary>
    public DeviceMove(string name) : this(name, name)
    {
    }
}
