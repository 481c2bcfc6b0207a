namespace Linux.Iommu.Planner;

/// <summary>What a host without iommufd offers, recorded: the legacy type1 container its devices joined
/// (VFIO_IOMMU_GET_INFO) and why the kernel has no iommufd. Such a host has no IOMMU_GET_HW_INFO, so the planner can
/// only shadow into the container or refuse — on the recording as on the host itself.</summary>
/// <param name="Info">VFIO_IOMMU_GET_INFO of the container with every device's group in it.</param>
/// <param name="Devices">The devices whose groups joined the container, in the order the live plan takes them.</param>
/// <param name="IommufdMissing">The kernel's findings on why there is no /dev/iommu (<see cref="IommufdSupport.Missing"/>).</param>
public sealed record RecordedContainer(Type1Info Info, IReadOnlyList<RecordedContainerDevice> Devices, IReadOnlyList<string> IommufdMissing)
{
    /// <summary>Records the container <paramref name="container"/> that <paramref name="devices"/> joined.</summary>
    public static RecordedContainer Record(VfioContainer container, IReadOnlyList<RecordedContainerDevice> devices) =>
        new(container.GetInfo(), devices, IommufdSupport.Missing());
}

/// <summary>One device of a <see cref="RecordedContainer"/>.</summary>
/// <param name="Name">The name reports use (its PCI address and group).</param>
/// <param name="IommuGroup">Its IOMMU group (the unit that joins a container).</param>
public sealed record RecordedContainerDevice(string Name, int IommuGroup);
