using System.Collections.Generic;
using System.Linq;
using Linux.Iommu.Interop.Generator.Selection;

namespace Linux.Iommu.Interop.Generator.Availability;

/// <summary>The availability sentence of one name, for the docs of the item that declares it.</summary>
internal sealed record KernelNote(string Name, string Text);

/// <summary>Gives every item to emit the availability sentences of what it declares: the item itself always (when
/// kernels were compared), its fields and enumerators only where the kernels differ.</summary>
internal static class KernelNotes
{
    public static SelectionResult Attach(SelectionResult selection, AvailabilityTable table)
    {
        if (table.Sets.Count < 2) return selection;
        var items = selection.Items.Select(item => item with { Kernels = Notes(item, table).ToEquatableArray() });
        return selection with { Items = items.ToEquatableArray() };
    }

    private static IEnumerable<KernelNote> Notes(EmitItem item, AvailabilityTable table)
    {
        KernelNote? Top(string name) => table.DocText(name) is { } text ? new KernelNote(name, text) : null;
        KernelNote? Member(string name) => table.Find(name) is { } entry && table.Evidence(entry) is { } evidence ? new KernelNote(name, $"Kernels: {evidence}.") : null;

        var notes = item.Kind switch
        {
            ItemKind.Record => new[] { Top(item.Name) }.Concat(table.Names.Where(n => n.Name.StartsWith(item.Name + ".", System.StringComparison.Ordinal)).Select(n => Member(n.Name))),
            ItemKind.Enum => new[] { Top(item.Name) }.Concat(item.Model.Enums.First(e => e.Name == item.Name).Constants.Select(c => Member(c.Name))),
            ItemKind.Constants => item.Names.Select(Top),
            _ => new[] { Top(item.Name) },
        };
        return notes.Where(n => n is not null).Select(n => n!);
    }
}
