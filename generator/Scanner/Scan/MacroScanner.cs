using System.Text;
using System.Text.RegularExpressions;
using Iommu.Scanner.Clang;
using Iommu.Scanner.Model;

namespace Iommu.Scanner.Scan;

/// <summary>Object-like macros of the wanted headers, evaluated by clang itself: a second, synthesized
/// translation unit declares <c>static const __typeof__((NAME)) __m_NAME = (NAME);</c> for each, and ioctl
/// requests are decoded with the architecture's own <c>_IOC_DIR/_IOC_TYPE/_IOC_NR/_IOC_SIZE</c>.</summary>
internal sealed partial class MacroScanner(ScanContext context, IReadOnlyList<RecordDecl> records)
{
    private static readonly HashSet<string> IoctlMacros = ["_IO", "_IOR", "_IOW", "_IOWR"];
    private const string Probe = "__iommu_scan_eval.c";

    private sealed record Macro(string Name, IReadOnlyList<string> Body, RawLocation At, string Expression);

    public List<ConstantDecl> Constants { get; } = [];
    public List<IoctlDecl> Ioctls { get; } = [];

    public void Scan(TranslationUnit unit, string includes, IReadOnlyList<string> arguments)
    {
        var macros = new List<Macro>();
        foreach (var cursor in Cursors.Children(unit.Cursor))
        {
            if (cursor.Kind() != CXCursorKind.MacroDefinition || !context.IsWanted(cursor.Location()) ||
                LibClang.clang_Cursor_isMacroFunctionLike(cursor) != 0)
            {
                continue; // function-like macros are helpers, not constants
            }
            var tokens = unit.Tokens(cursor);
            var body = tokens.Skip(1).ToList();
            var expression = string.Join(' ', body);
            if (macros.FirstOrDefault(m => m.Name == cursor.Spelling()) is { } earlier)
            {
                // C allows repeating a #define with the same body (iommufd_test.h does); it is one constant, at its
                // first place. A different body would make the value depend on where it is used: refuse it.
                if (earlier.Expression != expression)
                {
                    throw new ScanException("SCAN022",
                        $"'{earlier.Name}' is redefined with a different body ('{earlier.Expression}' at line {earlier.At.Line}, then '{expression}')",
                        context.Locate(cursor.Location()));
                }
                continue;
            }
            if (body.Count > 0)
            {
                macros.Add(new Macro(cursor.Spelling(), body, cursor.Location(), expression));
            }
            // an empty body is an include guard or a feature marker: nothing to evaluate
        }

        var strings = macros.Where(m => m.Body.Count == 1 && m.Body[0].StartsWith('"')).ToList();
        var evaluated = macros.Except(strings).ToList();
        var values = Evaluate(evaluated, includes, arguments, out var failures);

        foreach (var macro in strings)
        {
            Constants.Add(new ConstantDecl(macro.Name, ConstantKind.String, "char[]", 0, 0, Unquote(macro.Body[0]), macro.Expression,
                Doc(macro), context.Locate(macro.At)));
        }
        foreach (var macro in evaluated)
        {
            if (failures.TryGetValue(macro.Name, out var why))
            {
                throw new ScanException("SCAN020",
                    $"unknown macro form: '#define {macro.Name} {macro.Expression}' is not an integer or string constant clang can evaluate ({why})",
                    context.Locate(macro.At));
            }
            var value = values["m_" + macro.Name];
            if (macro.Body.Any(IoctlMacros.Contains))
            {
                Ioctls.Add(Ioctl(macro, value, values));
            }
            else
            {
                Constants.Add(new ConstantDecl(macro.Name, ConstantKind.Integer, value.CType, value.Size, value.Value, null, macro.Expression,
                    Doc(macro), context.Locate(macro.At)));
            }
        }
    }

    private readonly record struct Evaluated(string CType, long Size, Int128 Value);

    private Dictionary<string, Evaluated> Evaluate(List<Macro> macros, string includes, IReadOnlyList<string> arguments,
        out Dictionary<string, string> failures)
    {
        var source = new StringBuilder(includes);
        var lineOwner = new Dictionary<int, string>();
        var line = includes.Count(c => c == '\n') + 1;
        foreach (var macro in macros)
        {
            source.Append($"static const __typeof__(({macro.Name})) __m_{macro.Name} = ({macro.Name});\n");
            lineOwner[line++] = macro.Name;
            if (macro.Body.Any(IoctlMacros.Contains))
            {
                foreach (var part in new[] { "DIR", "TYPE", "NR", "SIZE" })
                {
                    source.Append($"static const unsigned long long __{part}_{macro.Name} = _IOC_{part}({macro.Name});\n");
                    lineOwner[line++] = macro.Name;
                }
            }
        }

        using var probe = TranslationUnit.Parse(Probe, source.ToString(), arguments, CXTranslationUnitFlags.SkipFunctionBodies);
        failures = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var diagnostic in probe.Diagnostics().Where(d => d.IsError))
        {
            if (diagnostic.Location.Path is { } path && Path.GetFileName(path) == Probe &&
                lineOwner.TryGetValue(diagnostic.Location.Line, out var owner))
            {
                failures.TryAdd(owner, diagnostic.Message);
            }
            else
            {
                throw new ScanException("SCAN021", $"evaluating the macros failed: {diagnostic.Message}", context.Locate(diagnostic.Location));
            }
        }

        var values = new Dictionary<string, Evaluated>(StringComparer.Ordinal);
        foreach (var cursor in Cursors.Children(probe.Cursor))
        {
            if (cursor.Kind() != CXCursorKind.VarDecl)
            {
                continue;
            }
            var name = cursor.Spelling();
            var result = LibClang.clang_Cursor_Evaluate(cursor);
            try
            {
                if (result == 0 || LibClang.clang_EvalResult_getKind(result) != CXEvalResultKind.Int)
                {
                    var owner = lineOwner.GetValueOrDefault(cursor.Location().Line, name);
                    failures.TryAdd(owner, "not an integer constant expression");
                    continue;
                }
                Int128 value = LibClang.clang_EvalResult_isUnsignedInt(result) != 0
                    ? LibClang.clang_EvalResult_getAsUnsigned(result)
                    : LibClang.clang_EvalResult_getAsLongLong(result);
                var type = LibClang.clang_getCanonicalType(LibClang.clang_getCursorType(cursor));
                var cType = type.Spelling().Replace("const ", "", StringComparison.Ordinal);
                values[name[2..]] = new Evaluated(cType, LibClang.clang_Type_getSizeOf(type), value);
            }
            finally
            {
                if (result != 0) LibClang.clang_EvalResult_dispose(result);
            }
        }
        return values; // keyed "m_NAME" (the value) and "DIR_NAME", "NR_NAME"... (ioctl parts)
    }

    private IoctlDecl Ioctl(Macro macro, Evaluated value, Dictionary<string, Evaluated> values)
    {
        uint Part(string part) => (uint)values[$"{part}_{macro.Name}"].Value;
        var form = macro.Body.First(IoctlMacros.Contains);
        var (argument, doc) = Argument(macro, form);
        return new IoctlDecl(macro.Name, (ulong)value.Value, form, (IoctlDirection)Part("DIR"), Part("TYPE"), Part("NR"), Part("SIZE"),
            macro.Expression, argument, doc ?? Doc(macro), context.Locate(macro.At));
    }

    /// <summary>The argument of an ioctl, from (in order) the macro's own type operand, the kernel-doc
    /// ("struct x - ioctl(NAME)" in iommufd.h, "NAME - _IOWR(..., struct x)" in vfio.h), or the name.</summary>
    private (IoctlArgument?, string?) Argument(Macro macro, string form)
    {
        var (argument, doc) = DocumentedArgument(macro, form);
        var adjacent = context.Comments(macro.At.Path)?.StructBefore(macro.At.Line);
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
                return (new IoctlArgument(structDoc.Groups[1].Value, null, "kernel-doc"), CommentIndex.Parse(comment).Description);
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

    private string? Doc(Macro macro)
    {
        var comments = context.Comments(macro.At.Path);
        return comments?.TrailingComment(macro.At.Line) ?? comments?.Before(macro.At.Line)?.Text;
    }

    private static string Unquote(string literal) => Regex.Unescape(literal[1..^1]);

    [GeneratedRegex(@"^(?:struct|union)\s+(\w+)\s+-\s+ioctl\((\w+)\)")]
    private static partial Regex StructIoctlDoc();

    [GeneratedRegex(@"(_IOW?R?)\s*\(([^()]*)\)")]
    private static partial Regex IoctlSignature();
}
