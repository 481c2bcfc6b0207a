using System.Text.RegularExpressions;

namespace Iommu.Scanner.Scan;

/// <summary>What an ioctl takes, guessed from what the headers say, since the request number only carries a size:
/// the kernel-doc, the macro's own type operand, the struct defined right above the #define, or the ioctl's name.</summary>
internal sealed partial class IoctlArgumentFinder(ScanContext context, IReadOnlyList<RecordDecl> records)
{
    /// <summary>The argument of an ioctl, from (in order) the macro's own type operand, the kernel-doc
    /// ("struct x - ioctl(NAME)" in iommufd.h, "NAME - _IOWR(..., struct x)" in vfio.h), or the name.</summary>
    public (IoctlArgument? Argument, string? Doc) Find(Macro macro, string form)
    {
        var (argument, doc) = DocumentedArgument(macro, form);
        var adjacent = context.Lines(macro.At.Path)?.StructBefore(macro.At.Line);
        if (argument is { Record: { } named } && records.All(r => r.Name != named))
        {
            // vfio.h's kernel-doc names structs that were since renamed (vfio_dma_map is vfio_iommu_type1_dma_map):
            // take the one record whose name has all the doc name's words and the fewest others, else the
            // struct defined right above the #define.
            if (Renamed(named) is { } renamed)
            {
                return (new IoctlArgument(renamed, null, $"kernel-doc (names struct {named}, since renamed)"), doc);
            }
            if (adjacent is not null)
            {
                return (new IoctlArgument(adjacent, null, $"adjacent (kernel-doc names missing struct {named})"), doc);
            }
        }
        if (argument is null && adjacent is not null && doc is not null && Regex.IsMatch(doc, $@"\b{adjacent}\b"))
        {
            return (new IoctlArgument(adjacent, null, "adjacent"), doc);
        }
        return (argument, doc);
    }

    private string? Renamed(string named)
    {
        var words = named.Split('_');
        var candidates = records.Where(r => !r.IsAnonymous)
            .Select(r => (r.Name, Extra: r.Name.Split('_').Except(words).Count(), All: words.All(r.Name.Split('_').Contains)))
            .Where(c => c.All)
            .OrderBy(c => c.Extra)
            .ToList();
        return candidates.Count > 0 && (candidates.Count == 1 || candidates[1].Extra > candidates[0].Extra) ? candidates[0].Name : null;
    }

    private (IoctlArgument?, string?) DocumentedArgument(Macro macro, string form)
    {
        var comments = context.Comments(macro.At.Path);
        foreach (var comment in comments?.All ?? [])
        {
            var first = comment.FirstLine;
            var structDoc = StructIoctlDoc().Match(first);
            if (structDoc.Success && structDoc.Groups[2].Value == macro.Name)
            {
                return (new IoctlArgument(structDoc.Groups[1].Value, null, "kernel-doc"), KernelDoc.Parse(comment).Description);
            }
            if (first.StartsWith(macro.Name + " -", StringComparison.Ordinal))
            {
                var text = comment.Text;
                var signature = IoctlSignature().Match(text.Replace('\n', ' '));
                IoctlArgument? argument = null;
                if (signature.Success)
                {
                    var operands = signature.Groups[2].Value.Split(',').Select(s => s.Trim()).ToArray();
                    if (operands.Length == 3)
                    {
                        var type = operands[2];
                        argument = type.StartsWith("struct ", StringComparison.Ordinal)
                            ? new IoctlArgument(type["struct ".Length..].Trim(), null, "kernel-doc")
                            : new IoctlArgument(null, type, "kernel-doc");
                    }
                }
                return (argument, text[(macro.Name.Length + 2)..].Trim());
            }
        }
        if (form != "_IO")
        {
            var operand = string.Join(' ', macro.Body.SkipWhile(t => t != ",").Skip(1).SkipWhile(t => t != ",").Skip(1).TakeWhile(t => t != ")"));
            return (operand.StartsWith("struct ", StringComparison.Ordinal)
                ? new IoctlArgument(operand["struct ".Length..], null, "macro")
                : new IoctlArgument(null, operand, "macro"), null);
        }
        var byName = macro.Name.ToLowerInvariant();
        return (records.Any(r => r.Name == byName) ? new IoctlArgument(byName, null, "name") : null, null);
    }

    [GeneratedRegex(@"^(?:struct|union)\s+(\w+)\s+-\s+ioctl\((\w+)\)")]
    private static partial Regex StructIoctlDoc();

    [GeneratedRegex(@"(_IOW?R?)\s*\(([^()]*)\)")]
    private static partial Regex IoctlSignature();
}
