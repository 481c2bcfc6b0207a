using System.Text;
using System.Text.RegularExpressions;
using Iommu.Scanner.Clang;

namespace Iommu.Scanner.Scan;

/// <summary>An object-like #define of a wanted header: its tokens after the name, where it is, and its text.</summary>
internal sealed record Macro(string Name, IReadOnlyList<string> Body, RawLocation At, string Expression);

/// <summary>Object-like macros of the wanted headers, evaluated by clang itself: a second, synthesized
/// translation unit declares <c>static const __typeof__((NAME)) __m_NAME = (NAME);</c> for each, and ioctl
/// requests are decoded with the architecture's own <c>_IOC_DIR/_IOC_TYPE/_IOC_NR/_IOC_SIZE</c> (what each ioctl
/// takes is <see cref="IoctlArgumentFinder"/>'s job).</summary>
internal sealed class MacroScanner(ScanContext context, IReadOnlyList<RecordDecl> records)
{
    private readonly IoctlArgumentFinder _arguments = new(context, records);

    private static readonly HashSet<string> IoctlMacros = ["_IO", "_IOR", "_IOW", "_IOWR"];
    private const string Probe = "__iommu_scan_eval.c";

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
        var (argument, doc) = _arguments.Find(macro, form);
        return new IoctlDecl(macro.Name, (ulong)value.Value, form, (IoctlDirection)Part("DIR"), Part("TYPE"), Part("NR"), Part("SIZE"),
            macro.Expression, argument, doc ?? Doc(macro), context.Locate(macro.At));
    }

    private string? Doc(Macro macro)
    {
        var comments = context.Comments(macro.At.Path);
        return comments?.TrailingComment(macro.At.Line) ?? comments?.Before(macro.At.Line)?.Text;
    }

    private static string Unquote(string literal) => Regex.Unescape(literal[1..^1]);
}
