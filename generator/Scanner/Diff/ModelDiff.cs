namespace Iommu.Scanner.Diff;

/// <summary>How a change affects existing users of the old model.</summary>
internal enum ChangeClass
{
    /// <summary>Old binaries and old source keep working (a new item, a field appended to a size-versioned struct, reserved bytes given a name).</summary>
    Compatible,
    /// <summary>The bytes are the same but a name changed: existing binaries work, existing source does not compile.</summary>
    SourceBreak,
    /// <summary>A size, offset, type or value changed, or an item was removed: existing binaries misbehave.</summary>
    AbiBreak,
}

internal sealed record DiffEntry(ChangeClass Class, string Item, string Change);

internal sealed record DiffReport(string From, string To, string Arch, IReadOnlyList<DiffEntry> Entries)
{
    public bool HasBreak => Entries.Any(e => e.Class == ChangeClass.AbiBreak);
}

/// <summary>Compares two models of one architecture item by item, by name.</summary>
internal static class ModelDiff
{
    public static DiffReport Compare(AbiModel from, AbiModel to)
    {
        if (from.Arch != to.Arch)
        {
            throw new ScanException("SCAN040", $"cannot diff models of different architectures ({from.Arch} vs {to.Arch})");
        }
        var entries = new List<DiffEntry>();
        // A header only one side has (linux/iommufd.h is absent from 6.1) is one entry, not one per item in it.
        var added = to.Headers.Except(from.Headers).ToList();
        var removed = from.Headers.Except(to.Headers).ToList();
        foreach (var header in added)
        {
            entries.Add(new(ChangeClass.Compatible, $"header {header}", $"new header: {Count(to, header)} ({Whereabouts(from, header)})"));
        }
        foreach (var header in removed)
        {
            entries.Add(new(ChangeClass.AbiBreak, $"header {header}", $"header gone: {Count(from, header)} removed ({Whereabouts(to, header)})"));
        }
        from = Without(from, removed);
        to = Without(to, added);
        Records(from, to, entries);
        Enums(from, to, entries);
        Constants(from, to, entries);
        Ioctls(from, to, entries);
        return new DiffReport($"{from.HeaderSet.Name} ({from.HeaderSet.Version})", $"{to.HeaderSet.Name} ({to.HeaderSet.Version})", from.Arch, entries);
    }

    private static string Whereabouts(AbiModel model, string header) =>
        model.AbsentHeaders.Contains(header) ? $"absent from {model.HeaderSet.Name}" : $"not scanned in {model.HeaderSet.Name}";

    private static string Count(AbiModel model, string header)
    {
        int Of<T>(IEnumerable<T> items, Func<T, SourceLocation> at) => items.Count(i => at(i).File == header);
        return $"{Of(model.Records.Where(r => !r.IsAnonymous), r => r.Location)} structs/unions, {Of(model.Enums, e => e.Location)} enums, " +
               $"{Of(model.Constants, c => c.Location)} constants, {Of(model.Ioctls, i => i.Location)} ioctls";
    }

    /// <summary>The model without what <paramref name="headers"/> declare.</summary>
    private static AbiModel Without(AbiModel model, List<string> headers)
    {
        if (headers.Count == 0) return model;
        bool Keep(SourceLocation at) => !headers.Contains(at.File);
        return model with
        {
            Records = model.Records.Where(r => Keep(r.Location)).ToEquatableArray(),
            Enums = model.Enums.Where(e => Keep(e.Location)).ToEquatableArray(),
            Constants = model.Constants.Where(c => Keep(c.Location)).ToEquatableArray(),
            Ioctls = model.Ioctls.Where(i => Keep(i.Location)).ToEquatableArray(),
        };
    }

    private static void Records(AbiModel from, AbiModel to, List<DiffEntry> entries)
    {
        var oldAll = from.Records.ToDictionary(r => r.Name);
        var newAll = to.Records.ToDictionary(r => r.Name);
        var oldNamed = from.Records.Where(r => !r.IsAnonymous).ToDictionary(r => r.Name);
        var newNamed = to.Records.Where(r => !r.IsAnonymous).ToDictionary(r => r.Name);
        foreach (var name in oldNamed.Keys.Except(newNamed.Keys))
        {
            entries.Add(new(ChangeClass.AbiBreak, $"struct {name}", "removed"));
        }
        foreach (var record in to.Records.Where(r => !r.IsAnonymous))
        {
            if (!oldNamed.TryGetValue(record.Name, out var old))
            {
                entries.Add(new(ChangeClass.Compatible, $"struct {record.Name}", $"new ({record.Size} bytes)"));
                continue;
            }
            CompareRecord(old, oldAll, record, newAll, entries);
        }
    }

    private static void CompareRecord(RecordDecl old, Dictionary<string, RecordDecl> oldAll, RecordDecl now, Dictionary<string, RecordDecl> newAll,
        List<DiffEntry> entries)
    {
        var item = $"struct {now.Name}";
        var oldFields = old.Flatten(oldAll).ToList();
        var newFields = now.Flatten(newAll).ToDictionary(f => f.Path);
        var sizeVersioned = old.SizeField() is not null && now.SizeField()?.Name == old.SizeField()?.Name;
        var reservedReplaced = new List<(long Start, long End)>();

        foreach (var (path, offset, field) in oldFields)
        {
            if (newFields.TryGetValue(path, out var match))
            {
                if (match.Offset != offset || !SameType(field.Type, match.Field.Type) || field.BitWidth != match.Field.BitWidth || field.BitOffset != match.Field.BitOffset)
                {
                    entries.Add(new(ChangeClass.AbiBreak, $"{item}.{path}", $"{Describe(offset, field)} -> {Describe(match.Offset, match.Field)}"));
                }
                continue;
            }
            var sameBytes = now.Flatten(newAll).Where(f => f.Offset == offset && f.Field.Type.Size == field.Type.Size && SameType(f.Field.Type, field.Type) && !OldHas(oldFields, f.Path)).ToList();
            if (sameBytes.Count == 1)
            {
                entries.Add(new(ChangeClass.SourceBreak, $"{item}.{path}", $"renamed to {sameBytes[0].Path} (same offset and type)"));
            }
            else if (IsReserved(path))
            {
                reservedReplaced.Add((offset, offset + field.Type.Size));
            }
            else
            {
                entries.Add(new(ChangeClass.AbiBreak, $"{item}.{path}", $"removed (was {Describe(offset, field)})"));
            }
        }

        foreach (var (path, offset, field) in now.Flatten(newAll))
        {
            if (OldHas(oldFields, path) || entries.Any(e => e.Change.EndsWith($"renamed to {path} (same offset and type)", StringComparison.Ordinal) && e.Item.StartsWith(item + ".", StringComparison.Ordinal)))
            {
                continue;
            }
            var end = offset + Math.Max(field.Type.Size, field.Type.Element?.Size ?? 0);
            var aliased = oldFields.FirstOrDefault(f => f.Offset == offset && f.Field.Type.Size == field.Type.Size && newFields.ContainsKey(f.Path));
            if (aliased.Path is not null)
            {
                entries.Add(new(ChangeClass.Compatible, $"{item}.{path}", $"new union alias of {aliased.Path} (same {field.Type.Size} bytes at {offset})"));
            }
            else if (reservedReplaced.Any(r => offset >= r.Start && end <= r.End))
            {
                entries.Add(new(ChangeClass.Compatible, $"{item}.{path}", $"new field in formerly reserved bytes at {offset}"));
            }
            else if (IsReserved(path) && end <= old.Size && !oldFields.Any(f => f.Offset < end && offset < f.Offset + Math.Max(f.Field.Type.Size, 1)))
            {
                // 6.12 named the tail padding 6.1's structs had (vfio_iommu_type1_info.pad): the same bytes, still unused.
                entries.Add(new(ChangeClass.Compatible, $"{item}.{path}", $"reserved field in former padding at {offset}"));
            }
            else if (offset >= old.Size && sizeVersioned)
            {
                entries.Add(new(ChangeClass.Compatible, $"{item}.{path}", $"appended at offset {offset} (size-versioned by '{now.SizeField()?.Name}')"));
            }
            else if (field.Type.Kind == TypeKind.FlexibleArray && offset >= old.Size)
            {
                entries.Add(new(ChangeClass.Compatible, $"{item}.{path}", $"flexible array added at the tail (offset {offset})"));
            }
            else
            {
                entries.Add(new(ChangeClass.AbiBreak, $"{item}.{path}", $"added at offset {offset} inside the old {old.Size}-byte layout"));
            }
        }

        if (old.Size != now.Size)
        {
            var grownAtTail = now.Size > old.Size && sizeVersioned;
            entries.Add(new(grownAtTail ? ChangeClass.Compatible : ChangeClass.AbiBreak, item,
                $"size {old.Size} -> {now.Size}" + (grownAtTail ? $" (grew at the tail; size-versioned by '{now.SizeField()?.Name}')" : "")));
        }
        if (old.Align != now.Align)
        {
            // Alignment matters where the struct is embedded; a top-level ioctl argument is never in an array.
            var embedded = newAll.Values.Any(r => r.Fields.Any(f => f.Type.Name == now.Name || f.Type.Element?.Name == now.Name));
            entries.Add(sizeVersioned && !embedded
                ? new(ChangeClass.Compatible, item, $"alignment {old.Align} -> {now.Align} (size-versioned ioctl argument, not embedded in another struct)")
                : new(ChangeClass.AbiBreak, item, $"alignment {old.Align} -> {now.Align}"));
        }
    }

    private static bool OldHas(List<(string Path, long Offset, FieldDecl Field)> fields, string path) => fields.Any(f => f.Path == path);

    private static bool IsReserved(string path)
    {
        var name = path.TrimStart('_');
        return name.StartsWith("reserved", StringComparison.Ordinal) || name.StartsWith("rsvd", StringComparison.Ordinal) || name.StartsWith("pad", StringComparison.Ordinal);
    }

    private static bool SameType(TypeRef a, TypeRef b) =>
        a.Kind == b.Kind && a.Size == b.Size && a.Signed == b.Signed && a.Count == b.Count &&
        (a.Kind is not (TypeKind.Record or TypeKind.Enum) || a.Name == b.Name || (a.Name ?? "").Contains(".__anon", StringComparison.Ordinal)) &&
        (a.Element is null) == (b.Element is null) && (a.Element is null || SameType(a.Element, b.Element!));

    private static string Describe(long offset, FieldDecl field) =>
        $"{field.Type.C} at {offset}" + (field.BitWidth is { } w ? $":{w} bits @{field.BitOffset}" : "") + $", {field.Type.Size} bytes";

    private static void Enums(AbiModel from, AbiModel to, List<DiffEntry> entries)
    {
        var oldValues = from.Enums.SelectMany(e => e.Constants.Select(c => (Enum: e, Constant: c))).ToDictionary(x => x.Constant.Name);
        var newValues = to.Enums.SelectMany(e => e.Constants.Select(c => (Enum: e, Constant: c))).ToDictionary(x => x.Constant.Name);
        foreach (var (name, (decl, constant)) in oldValues)
        {
            if (!newValues.TryGetValue(name, out var now))
            {
                entries.Add(new(ChangeClass.AbiBreak, EnumItem(decl, name), "removed"));
            }
            else if (now.Constant.Value > constant.Value && IsCountSentinel(name))
            {
                entries.Add(new(ChangeClass.Compatible, EnumItem(decl, name), $"count sentinel {constant.Value} -> {now.Constant.Value} (values added before it)"));
            }
            else if (now.Constant.Value != constant.Value)
            {
                entries.Add(new(ChangeClass.AbiBreak, EnumItem(decl, name), $"value {constant.Value} -> {now.Constant.Value}"));
            }
        }
        foreach (var (name, (decl, constant)) in newValues.Where(kv => !oldValues.ContainsKey(kv.Key)))
        {
            entries.Add(new(ChangeClass.Compatible, EnumItem(decl, name), $"new value {constant.Value}"));
        }
        var oldNamed = from.Enums.Where(e => e.Name is not null).ToDictionary(e => e.Name!);
        foreach (var decl in to.Enums.Where(e => e.Name is not null))
        {
            if (oldNamed.TryGetValue(decl.Name!, out var old) && old.IntegerType.Size != decl.IntegerType.Size)
            {
                entries.Add(new(ChangeClass.AbiBreak, $"enum {decl.Name}", $"size {old.IntegerType.Size} -> {decl.IntegerType.Size}"));
            }
        }
    }

    // VFIO_PCI_NUM_REGIONS, VFIO_AP_NUM_IRQS...: the kernel's "number of values" enumerators grow as values are added.
    private static bool IsCountSentinel(string name) =>
        name.Contains("_NUM_", StringComparison.Ordinal) || name.EndsWith("_NUM", StringComparison.Ordinal) ||
        name.EndsWith("_MAX", StringComparison.Ordinal) || name.EndsWith("_LAST", StringComparison.Ordinal);

    private static string EnumItem(EnumDecl decl, string name) => decl.Name is null ? name : $"enum {decl.Name}.{name}";

    private static void Constants(AbiModel from, AbiModel to, List<DiffEntry> entries)
    {
        var old = from.Constants.ToDictionary(c => c.Name);
        var now = to.Constants.ToDictionary(c => c.Name);
        foreach (var (name, constant) in old)
        {
            if (!now.TryGetValue(name, out var match))
            {
                // the kernel retires names by prefixing them (VFIO_TYPE1_NESTING_IOMMU -> __VFIO_RESERVED_TYPE1_NESTING_IOMMU)
                var renamed = to.Constants.FirstOrDefault(c => !old.ContainsKey(c.Name) && c.Value == constant.Value && c.Text == constant.Text &&
                    c.Name.Contains(name.TrimStart('_').Split('_', 2)[^1], StringComparison.Ordinal));
                entries.Add(renamed is null
                    ? new(ChangeClass.AbiBreak, name, "removed")
                    : new(ChangeClass.SourceBreak, name, $"renamed to {renamed.Name} (same value {Show(constant)})"));
            }
            else if (match.Value != constant.Value || match.Text != constant.Text)
            {
                entries.Add(new(ChangeClass.AbiBreak, name, $"value {Show(constant)} -> {Show(match)}"));
            }
            else if (match.CType != constant.CType)
            {
                entries.Add(new(ChangeClass.SourceBreak, name, $"C type {constant.CType} -> {match.CType}"));
            }
        }
        foreach (var constant in to.Constants.Where(c => !old.ContainsKey(c.Name)))
        {
            entries.Add(new(ChangeClass.Compatible, constant.Name, $"new constant {Show(constant)}"));
        }
    }

    private static string Show(ConstantDecl constant) => constant.Kind == ConstantKind.String ? $"\"{constant.Text}\"" : constant.Value.ToString();

    private static void Ioctls(AbiModel from, AbiModel to, List<DiffEntry> entries)
    {
        var old = from.Ioctls.ToDictionary(i => i.Name);
        var now = to.Ioctls.ToDictionary(i => i.Name);
        foreach (var (name, ioctl) in old)
        {
            if (!now.TryGetValue(name, out var match))
            {
                entries.Add(new(ChangeClass.AbiBreak, name, "ioctl removed"));
            }
            else if (match.Request != ioctl.Request)
            {
                entries.Add(new(ChangeClass.AbiBreak, name, $"request 0x{ioctl.Request:x} -> 0x{match.Request:x}"));
            }
            else if (match.Argument?.Record != ioctl.Argument?.Record || match.Argument?.Scalar != ioctl.Argument?.Scalar)
            {
                entries.Add(new(ChangeClass.AbiBreak, name, $"argument {Argument(ioctl)} -> {Argument(match)}"));
            }
        }
        foreach (var ioctl in to.Ioctls.Where(i => !old.ContainsKey(i.Name)))
        {
            entries.Add(new(ChangeClass.Compatible, ioctl.Name, $"new ioctl 0x{ioctl.Request:x} ({Argument(ioctl)})"));
        }
    }

    private static string Argument(IoctlDecl ioctl) =>
        ioctl.Argument is { Record: { } record } ? $"struct {record}" : ioctl.Argument?.Scalar ?? "no argument";
}
