using System;
using System.Collections.Generic;
using System.Linq;
using Linux.Iommu.Interop.Generator.Model;

namespace Linux.Iommu.Interop.Generator.Availability;

/// <summary>A name a header set defines and, for a struct or union, its size (0 for everything else).
/// Fields are named <c>record.field</c>, the way C reaches them through anonymous members.</summary>
internal sealed record NamedItem(string Name, long Size);

/// <summary>What one header set for one architecture defines: the little of a model that availability needs, so
/// the other kernels' models cost one parse each and compare cheaply afterwards.</summary>
internal sealed record SetContents(string Set, string Arch, EquatableArray<NamedItem> Items)
{
    public static SetContents Of(AbiModel model)
    {
        var records = model.Records.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var items = new List<NamedItem>();
        foreach (var record in model.Records.Where(r => r.Parent is null))
        {
            items.Add(new NamedItem(record.Name, record.Size));
            items.AddRange(record.Flatten(records, 0, static (_, _) => { }).Select(f => new NamedItem($"{record.Name}.{f.Path}", 0)));
        }
        foreach (var decl in model.Enums)
        {
            if (decl.Name is not null) items.Add(new NamedItem(decl.Name, 0));
            items.AddRange(decl.Constants.Select(c => new NamedItem(c.Name, 0)));
        }
        items.AddRange(model.Constants.Select(c => new NamedItem(c.Name, 0)));
        items.AddRange(model.Ioctls.Select(i => new NamedItem(i.Name, 0)));
        return new SetContents(model.HeaderSet.Name, model.Arch,
            items.GroupBy(i => i.Name, StringComparer.Ordinal).Select(g => g.First()).OrderBy(i => i.Name, StringComparer.Ordinal).ToEquatableArray());
    }
}

/// <summary>A compared model's contents, or why it could not be read.</summary>
internal sealed record SetContentsResult(SetContents? Contents, DiagnosticInfo? Error);
