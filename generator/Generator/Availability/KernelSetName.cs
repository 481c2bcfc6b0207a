using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Linux.Iommu.Interop.Generator.Availability;

/// <summary>A header set's name split into its family and kernel version: <c>linux-6.12</c> is family <c>linux</c>,
/// version 6.12; <c>iommufd-test-7.3</c> is family <c>iommufd-test</c>. Sets of one family are the same headers at
/// different kernels, so only they are compared. A name without a version suffix is a family of its own.</summary>
internal readonly struct KernelSetName
{
    private readonly int[] _version;

    private KernelSetName(string name, string family, int[] version)
    {
        Name = name;
        Family = family;
        _version = version;
    }

    public string Name { get; }

    public string Family { get; }

    public static KernelSetName Parse(string name)
    {
        var dash = name.LastIndexOf('-');
        if (dash > 0 && dash < name.Length - 1)
        {
            var parts = name.Substring(dash + 1).Split('.');
            if (parts.All(p => p.Length > 0 && p.All(c => c >= '0' && c <= '9')))
            {
                return new KernelSetName(name, name.Substring(0, dash), parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray());
            }
        }
        return new KernelSetName(name, name, Array.Empty<int>());
    }

    /// <summary>Oldest kernel first (6.1 before 6.12 before 7.3: by number, not by text), then by name.</summary>
    public static IComparer<KernelSetName> Chronological { get; } = Comparer<KernelSetName>.Create((a, b) =>
    {
        for (var i = 0; i < Math.Min(a._version.Length, b._version.Length); i++)
        {
            if (a._version[i] != b._version[i]) return a._version[i].CompareTo(b._version[i]);
        }
        return a._version.Length != b._version.Length ? a._version.Length.CompareTo(b._version.Length) : string.CompareOrdinal(a.Name, b.Name);
    });
}
