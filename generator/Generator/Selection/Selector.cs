using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Linux.Iommu.Interop.Generator.Model;
using Linux.Iommu.Interop.Generator.Parsing;

namespace Linux.Iommu.Interop.Generator.Selection;

/// <summary>Resolves the opt-in list against the model: names and <c>Prefix*</c> wildcards, <c>-name</c>
/// exclusions, then the closure (an ioctl pulls its argument struct, a struct the records and enums of
/// its fields, an enumerator its enum). Unknown names get a "did you mean" from the model's names.</summary>
internal static class Selector
{
    public static SelectionResult Select(ChosenModel chosen, ImmutableArray<OptInList> lists, BuildSettings settings)
    {
        var options = settings.Options;
        var diagnostics = chosen.Diagnostics.Items.ToList();
        var model = chosen.Model;
        if (model is null)
        {
            // A list but not one model and no reason given yet: say so instead of leaving the user's code to CS0103.
            if (diagnostics.Count == 0 && !lists.IsEmpty) diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NoModelForArch, null, options.Arch, "none"));
            return new SelectionResult(EquatableArray<EmitItem>.Empty, diagnostics.ToEquatableArray());
        }
        if (lists.IsEmpty)
        {
            var wanted = settings.ProjectDirectory is null ? OptInListParser.FileName : System.IO.Path.Combine(settings.ProjectDirectory, OptInListParser.FileName);
            diagnostics.Add(DiagnosticInfo.Create(Diagnostics.NoList, null, wanted));
            return new SelectionResult(EquatableArray<EmitItem>.Empty, diagnostics.ToEquatableArray());
        }

        var records = model.Records.ToDictionary(r => r.Name, StringComparer.Ordinal);
        var enums = model.Enums.Where(e => e.Name is not null).ToDictionary(e => e.Name!, StringComparer.Ordinal);
        var enumOf = model.Enums.SelectMany(e => e.Constants.Select(c => (c.Name, Enum: e))).ToDictionary(x => x.Name, x => x.Enum, StringComparer.Ordinal);
        var constants = model.Constants.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var ioctls = model.Ioctls.ToDictionary(i => i.Name, StringComparer.Ordinal);
        var allNames = records.Keys.Where(n => records[n].Parent is null).Concat(enums.Keys).Concat(enumOf.Keys)
            .Concat(constants.Keys).Concat(ioctls.Keys).Distinct().OrderBy(n => n, StringComparer.Ordinal).ToList();

        var chosenNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var list in lists)
        {
            if (list.Entries.Count == 0)
            {
                diagnostics.Add(DiagnosticInfo.Create(Diagnostics.EmptyList, new LocationInfo(list.Path, 0, 0, 0), list.Path));
            }
            foreach (var entry in list.Entries)
            {
                var matches = Match(entry.Pattern, allNames);
                if (matches.Count == 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(Diagnostics.UnknownName,
                        new LocationInfo(list.Path, entry.Line, entry.Column, entry.Column + entry.Pattern.Length + (entry.Exclude ? 1 : 0)),
                        entry.Pattern, $"{model.HeaderSet.Name} {model.Arch}", Suggest(entry.Pattern, allNames)));
                    continue;
                }
                foreach (var name in matches)
                {
                    if (entry.Exclude) chosenNames.Remove(name);
                    else chosenNames.Add(name);
                }
            }
        }

        // The closure: what the chosen items need to compile.
        var recordSet = new SortedSet<string>(StringComparer.Ordinal);
        var enumSet = new SortedSet<string>(StringComparer.Ordinal);
        var constantSet = new SortedSet<string>(StringComparer.Ordinal);
        var ioctlSet = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        void AddRecord(string name)
        {
            if (recordSet.Add(name)) pending.Push(name);
        }
        foreach (var name in chosenNames)
        {
            if (ioctls.TryGetValue(name, out var ioctl))
            {
                ioctlSet.Add(name);
                if (ioctl.Argument?.Record is { } argument)
                {
                    if (records.ContainsKey(argument)) AddRecord(argument);
                    else diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingArgument, new LocationInfo(model.Path, ioctl.ModelLine, 0, 1), name, argument));
                }
            }
            if (records.ContainsKey(name)) AddRecord(name);
            if (enums.ContainsKey(name)) enumSet.Add(name);
            if (constants.ContainsKey(name)) constantSet.Add(name);
            if (enumOf.TryGetValue(name, out var owner))
            {
                if (owner.Name is null) constantSet.Add(name);
                else enumSet.Add(owner.Name);
            }
        }
        while (pending.Count > 0)
        {
            var record = records[pending.Pop()];
            foreach (var field in record.Fields)
            {
                for (var type = field.Type; type is not null; type = type.Element)
                {
                    if (type.Kind == TypeKind.Record)
                    {
                        if (records.ContainsKey(type.Name!)) AddRecord(type.Name!);
                        else diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingType, new LocationInfo(model.Path, field.ModelLine, 0, 1),
                            $"{record.Name}.{field.Name ?? "(anonymous)"}", type.C));
                    }
                    else if (type.Kind == TypeKind.Enum)
                    {
                        if (enums.ContainsKey(type.Name!)) enumSet.Add(type.Name!);
                        else diagnostics.Add(DiagnosticInfo.Create(Diagnostics.MissingType, new LocationInfo(model.Path, field.ModelLine, 0, 1),
                            $"{record.Name}.{field.Name ?? "(anonymous)"}", type.C));
                    }
                }
            }
        }

        var items = new List<EmitItem>();
        // Anonymous records are emitted inside their parents, never on their own.
        items.AddRange(recordSet.Where(n => records[n].Parent is null).Select(n => new EmitItem(ItemKind.Record, n, model, options, EquatableArray<string>.Empty)));
        items.AddRange(enumSet.Select(n => new EmitItem(ItemKind.Enum, n, model, options, EquatableArray<string>.Empty)));
        if (constantSet.Count > 0) items.Add(new EmitItem(ItemKind.Constants, "Constants", model, options, constantSet.ToEquatableArray()));
        items.AddRange(ioctlSet.Select(n => new EmitItem(ItemKind.Ioctl, n, model, options, EquatableArray<string>.Empty)));
        return new SelectionResult(items.ToEquatableArray(), diagnostics.ToEquatableArray());
    }

    private static List<string> Match(string pattern, List<string> names)
    {
        if (pattern == "*") return names;
        if (pattern.EndsWith("*", StringComparison.Ordinal))
        {
            var prefix = pattern.Substring(0, pattern.Length - 1);
            return names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        }
        return names.Where(n => n == pattern).ToList();
    }

    /// <summary>" – did you mean 'x'?" for the closest name (case-insensitive edit distance), or nothing.</summary>
    private static string Suggest(string pattern, List<string> names)
    {
        var wanted = pattern.TrimEnd('*');
        var best = names
            .Select(n => (Name: n, Distance: Distance(wanted.ToLowerInvariant(), (pattern.EndsWith("*", StringComparison.Ordinal) && n.Length > wanted.Length ? n.Substring(0, wanted.Length) : n).ToLowerInvariant())))
            .OrderBy(x => x.Distance).ThenBy(x => x.Name, StringComparer.Ordinal).FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, wanted.Length / 4) ? $" - did you mean '{best.Name}'?" : "";
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
