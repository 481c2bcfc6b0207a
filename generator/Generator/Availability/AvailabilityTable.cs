using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Linux.Iommu.Interop.Generator.Availability;

/// <summary>Where one name is: its size in each compared set, oldest first (-1: absent; 0: present, no size compared).</summary>
internal sealed record NameAvailability(string Name, EquatableArray<long> Sizes)
{
    public bool IsIn(int set) => Sizes[set] >= 0;
}

/// <summary>For every name of the chosen model's family, which kernel sets have it and with which size: the chosen
/// model beside the other kernels' models of its family and architecture (IommuInteropModel="availability").</summary>
internal sealed record AvailabilityTable(EquatableArray<string> Sets, EquatableArray<NameAvailability> Names)
{
    public static AvailabilityTable Empty { get; } = new(EquatableArray<string>.Empty, EquatableArray<NameAvailability>.Empty);

    /// <summary>The chosen model's family and architecture among <paramref name="compared"/>; a set that is there twice
    /// counts once (the chosen model's own contents win).</summary>
    public static AvailabilityTable Build(SetContents? chosen, IEnumerable<SetContents> compared)
    {
        if (chosen is null) return Empty;
        var family = KernelSetName.Parse(chosen.Set).Family;
        var sets = new[] { chosen }
            .Concat(compared.Where(c => c.Arch == chosen.Arch && KernelSetName.Parse(c.Set).Family == family))
            .GroupBy(c => c.Set, StringComparer.Ordinal).Select(g => g.First())
            .OrderBy(c => KernelSetName.Parse(c.Set), KernelSetName.Chronological)
            .ToList();
        var sizes = new SortedDictionary<string, long[]>(StringComparer.Ordinal);
        for (var s = 0; s < sets.Count; s++)
        {
            foreach (var item in sets[s].Items)
            {
                if (!sizes.TryGetValue(item.Name, out var row))
                {
                    sizes[item.Name] = row = Enumerable.Repeat(-1L, sets.Count).ToArray();
                }
                row[s] = item.Size;
            }
        }
        return new AvailabilityTable(sets.Select(s => s.Set).ToEquatableArray(),
            sizes.Select(pair => new NameAvailability(pair.Key, pair.Value.ToEquatableArray())).ToEquatableArray());
    }

    /// <summary>The table's entry for <paramref name="name"/>, or null when no compared set has it.</summary>
    public NameAvailability? Find(string name)
    {
        int low = 0, high = Names.Count - 1;
        while (low <= high)
        {
            var middle = (low + high) / 2;
            var order = string.CompareOrdinal(Names[middle].Name, name);
            if (order == 0) return Names[middle];
            if (order < 0) low = middle + 1;
            else high = middle - 1;
        }
        return null;
    }

    /// <summary>"absent from linux-6.1 and linux-6.12, present in linux-7.3"; sizes per set when they differ
    /// ("present in linux-6.12 (32 bytes) and linux-7.3 (40 bytes)"); null when every set has it with one size.</summary>
    public string? Evidence(NameAvailability entry)
    {
        var present = Enumerable.Range(0, Sets.Count).Where(entry.IsIn).ToList();
        var absent = Enumerable.Range(0, Sets.Count).Where(s => !entry.IsIn(s)).ToList();
        var sized = present.Select(s => entry.Sizes[s]).Distinct().Count() > 1;
        if (absent.Count == 0 && !sized) return null;
        var parts = new List<string>();
        if (absent.Count > 0) parts.Add("absent from " + Join(absent.Select(s => Sets[s])));
        if (present.Count > 0)
        {
            parts.Add("present in " + Join(present.Select(s => sized
                ? $"{Sets[s]} ({entry.Sizes[s].ToString(CultureInfo.InvariantCulture)} bytes)"
                : Sets[s])));
        }
        return string.Join(", ", parts);
    }

    /// <summary>The sentence the generated docs carry for a name: its evidence, or that every compared set has it;
    /// null with one set only (nothing was compared).</summary>
    public string? DocText(string name)
    {
        if (Sets.Count < 2 || Find(name) is not { } entry) return null;
        return Evidence(entry) is { } evidence
            ? $"Kernels: {evidence}."
            : $"Kernels: present in every set compared ({Join(Sets)}).";
    }

    /// <summary>"a", "a and b", "a, b and c".</summary>
    public static string Join(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count <= 1 ? string.Concat(list) : string.Join(", ", list.Take(list.Count - 1)) + " and " + list[list.Count - 1];
    }
}
