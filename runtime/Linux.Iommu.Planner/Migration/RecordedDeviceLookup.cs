namespace Linux.Iommu.Planner;

/// <summary>A device of a recorded host of either kind: an iommufd host's (with its IOMMU_GET_HW_INFO) or one in a
/// recorded type1 container (without).</summary>
internal sealed record HostDevice(string Name, int? IommuGroup, HwInfo? HwInfo)
{
    /// <summary>How reports name the IOMMU behind it.</summary>
    public string IommuText => HwInfo is { } hw ? ViommuModel.TypeText(hw.Type) : "type1 container (no IOMMU_GET_HW_INFO)";
}

/// <summary>Finds a device of a <see cref="RecordedHost"/> by what a user calls it: the recorded name, or the VFIO cdev
/// (path or file name) and the PCI address that a recorded name <c>CDEV (PCI)</c> is made of.</summary>
internal static class RecordedDeviceLookup
{
    /// <summary>The host's devices, in the order the live plan takes them.</summary>
    public static IReadOnlyList<HostDevice> All(RecordedHost host) => host.Container is { } container
        ? [.. container.Devices.Select(d => new HostDevice(d.Name, d.IommuGroup, null))]
        : [.. host.Devices.Select(d => new HostDevice(d.Name, d.IommuGroup, d.HwInfo))];

    /// <summary>Every device <paramref name="query"/> names on <paramref name="host"/>.</summary>
    public static List<HostDevice> Find(RecordedHost host, string query) =>
        All(host).Where(d => d.Name == query || Aliases(d.Name).Contains(query)).ToList();

    /// <summary>The name another host most likely records the same device under: its PCI address, else its name.</summary>
    public static string Identity(string name) => Parts(name) is { } parts ? parts.Pci : name;

    /// <summary>The host with only the devices named <paramref name="names"/>, in that order.</summary>
    public static RecordedHost Only(RecordedHost host, IReadOnlyList<string> names) => host.Container is { } container
        ? host with { Container = container with { Devices = [.. names.Select(n => container.Devices.First(d => d.Name == n))] } }
        : host with { Devices = [.. names.Select(n => host.Devices.First(d => d.Name == n))] };

    private static IEnumerable<string> Aliases(string name) =>
        Parts(name) is { } parts ? [parts.Cdev, Path.GetFileName(parts.Cdev), parts.Pci] : [];

    private static (string Cdev, string Pci)? Parts(string name)
    {
        var open = name.LastIndexOf(" (", StringComparison.Ordinal);
        return open > 0 && name.EndsWith(')') ? (name[..open], name[(open + 2)..^1]) : null;
    }
}
