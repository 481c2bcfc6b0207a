namespace Linux.Iommu.Cli;

/// <summary>The legacy type1 container of a kernel without iommufd with the VM's groups in it, ready to plan and map
/// (<c>iommu plan</c> and <c>iommu demo</c> there). Disposing closes the groups and the container.</summary>
internal sealed class LegacyContainer : IDisposable
{
    public const string Path = "/dev/vfio/vfio";

    private LegacyContainer(VfioContainer container, List<VfioGroup> groups)
    {
        Container = container;
        Groups = groups;
    }

    public VfioContainer Container { get; }

    /// <summary>The groups, in the order their devices were given.</summary>
    public IReadOnlyList<VfioGroup> Groups { get; }

    /// <summary>Opens the container, puts the group of every device in it (each group once) and sets the type1 IOMMU;
    /// nothing stays open when a step fails.</summary>
    /// <exception cref="InvalidOperationException">A group is not viable (names it and the devices given in it).</exception>
    public static LegacyContainer Open(IReadOnlyList<(string Name, int Group)> devices)
    {
        var container = VfioContainer.Open(Path);
        var groups = new List<VfioGroup>();
        try
        {
            foreach (var number in devices.Select(d => d.Group).Distinct())
            {
                var group = VfioGroup.Open(number);
                groups.Add(group);
                if (!group.IsViable)
                    throw new InvalidOperationException($"VFIO group {number} ({string.Join(", ", devices.Where(d => d.Group == number).Select(d => d.Name))}) is not viable: every device of the group must be bound to vfio-pci (/sys/kernel/iommu_groups/{number}/devices)");
                group.SetContainer(container);
            }
            container.SetIommu();
            return new LegacyContainer(container, groups);
        }
        catch
        {
            foreach (var group in groups) group.Dispose();
            container.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var group in Groups) group.Dispose();
        Container.Dispose();
    }
}
