using Linux.Iommu.Native;

namespace Linux.Iommu.Cli;

/// <summary><c>iommu probe</c> on a kernel without iommufd (before 6.2, or built without CONFIG_IOMMUFD): what it lacks,
/// then what the legacy VFIO type1 container offers (VFIO_CHECK_EXTENSION, and per group the IOVA page sizes and ranges
/// of a container holding it) instead of failing.</summary>
internal static class LegacyVfioProbe
{
    private const string ContainerPath = LegacyContainer.Path;

    private static readonly (string Name, int Value)[] Extensions =
    [
        (nameof(Constants.VFIO_TYPE1_IOMMU), Constants.VFIO_TYPE1_IOMMU),
        (nameof(Constants.VFIO_TYPE1v2_IOMMU), Constants.VFIO_TYPE1v2_IOMMU),
        (nameof(Constants.VFIO_DMA_CC_IOMMU), Constants.VFIO_DMA_CC_IOMMU),
        (nameof(Constants.VFIO_UNMAP_ALL), Constants.VFIO_UNMAP_ALL),
        (nameof(Constants.VFIO_UPDATE_VADDR), Constants.VFIO_UPDATE_VADDR),
        (nameof(Constants.VFIO_NOIOMMU_IOMMU), Constants.VFIO_NOIOMMU_IOMMU),
    ];

    public static int Run(FileInfo? save)
    {
        var diagnosis = IommufdSupport.Diagnose();
        if (save is not null)
            throw new InvalidOperationException($"{diagnosis}\n  --save {save.Name}: a recorded host holds IOMMU_GET_HW_INFO and IOAS ranges, which only iommufd reports");
        if (!File.Exists(ContainerPath))
            throw new InvalidOperationException($"{diagnosis}\n  no {ContainerPath} either: the kernel offers no VFIO container (CONFIG_VFIO, and from 6.2 CONFIG_VFIO_CONTAINER)");
        Console.WriteLine(diagnosis);
        using var container = VfioContainer.Open(ContainerPath);
        Console.WriteLine($"== legacy VFIO container {ContainerPath}: API version {Constants.VFIO_API_VERSION}");
        foreach (var (name, value) in Extensions) Console.WriteLine($"  VFIO_CHECK_EXTENSION {name}: {Readable.YesNo(container.CheckExtension(value))}");
        var groups = Groups();
        if (groups.Length == 0)
            throw new InvalidOperationException("no VFIO group in /dev/vfio: bind a device to vfio-pci (its /sys/bus/pci/devices/…/iommu_group names the group)");
        foreach (var number in groups) Describe(number);
        return ExitCodes.Ok;
    }

    private static int[] Groups() => Directory.GetFiles("/dev/vfio").Select(Path.GetFileName)
        .Select(name => int.TryParse(name, out var n) ? n : -1).Where(n => n >= 0).Order().ToArray();

    /// <summary>A container of its own per group: GET_INFO answers for the IOMMU behind that group alone.</summary>
    private static void Describe(int number)
    {
        var members = Directory.Exists($"/sys/kernel/iommu_groups/{number}/devices")
            ? string.Join(", ", Directory.GetFileSystemEntries($"/sys/kernel/iommu_groups/{number}/devices").Select(Path.GetFileName).Order(StringComparer.Ordinal))
            : "devices unknown";
        Console.WriteLine($"== VFIO group {number} ({members})");
        using var group = VfioGroup.Open(number);
        if (!group.IsViable)
        {
            Console.WriteLine("  not viable: a device of the group is not bound to a VFIO driver");
            return;
        }
        using var container = VfioContainer.Open(ContainerPath);
        group.SetContainer(container);
        var type = container.CheckExtension(Constants.VFIO_TYPE1v2_IOMMU) ? Constants.VFIO_TYPE1v2_IOMMU : Constants.VFIO_TYPE1_IOMMU;
        container.SetIommu(type);
        Console.WriteLine($"  container with this group, {(type == Constants.VFIO_TYPE1v2_IOMMU ? "VFIO_TYPE1v2_IOMMU" : "VFIO_TYPE1_IOMMU")}:");
        Console.Write(container.GetInfo().Describe());
    }
}
