using System.Collections.Generic;
using System.Linq;
using Linux.Iommu.Interop.Generator.Selection;

namespace Linux.Iommu.Interop.Generator.Availability;

/// <summary>One generated name in the <c>KernelAvailability</c> class: a bit per compared set that has it, its evidence,
/// and for a struct or union its size in each set (-1 where absent; empty for other names).</summary>
internal sealed record KernelTableRow(string Name, ulong Sets, string? Evidence, EquatableArray<long> Sizes);

/// <summary>What the <c>KernelAvailability</c> class is made of: the compared sets, oldest first, and a row for every
/// top-level name generated (structs, unions, enums, enumerators, constants, ioctls).</summary>
internal sealed record KernelTable(GeneratorOptions Options, EquatableArray<string> Sets, EquatableArray<KernelTableRow> Rows)
{
    /// <summary>A mask has one bit per set.</summary>
    public const int MaxSets = 64;

    /// <summary>The table for what <paramref name="selection"/> generates, or null when it generates nothing.</summary>
    public static KernelTable? Of(SelectionResult selection, AvailabilityTable table)
    {
        if (selection.Items.Count == 0 || table.Sets.Count == 0) return null;
        var names = new SortedSet<string>(System.StringComparer.Ordinal);
        var records = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var item in selection.Items)
        {
            switch (item.Kind)
            {
                case ItemKind.Constants:
                    names.UnionWith(item.Names);
                    break;
                case ItemKind.Enum:
                    names.Add(item.Name);
                    names.UnionWith(item.Model.Enums.First(e => e.Name == item.Name).Constants.Select(c => c.Name));
                    break;
                case ItemKind.Record:
                    names.Add(item.Name);
                    records.Add(item.Name);
                    break;
                default:
                    names.Add(item.Name);
                    break;
            }
        }
        var rows = names.Select(name => table.Find(name) is { } entry
                ? new KernelTableRow(name, Mask(entry), table.Evidence(entry), records.Contains(name) ? entry.Sizes : EquatableArray<long>.Empty)
                : null)
            .Where(row => row is not null).Select(row => row!);
        return new KernelTable(selection.Items[0].Options, table.Sets, rows.ToEquatableArray());
    }

    private static ulong Mask(NameAvailability entry)
    {
        var mask = 0UL;
        for (var s = 0; s < entry.Sizes.Count && s < MaxSets; s++)
        {
            if (entry.IsIn(s)) mask |= 1UL << s;
        }
        return mask;
    }
}
