using System.Runtime.InteropServices;
using System.Text;

namespace Iommu.Scanner.Clang;

/// <summary>One parsed translation unit, whose main file is synthesized in memory.</summary>
internal sealed unsafe class TranslationUnit : IDisposable
{
    private readonly nint _index;
    private nint _unit;

    public nint Handle => _unit;

    private TranslationUnit(nint index, nint unit)
    {
        _index = index;
        _unit = unit;
    }

    /// <summary>Parses <paramref name="mainSource"/> (as the file <paramref name="mainName"/>) with the given clang arguments.</summary>
    public static TranslationUnit Parse(string mainName, string mainSource, IReadOnlyList<string> arguments, CXTranslationUnitFlags flags)
    {
        LibClangLoader.EnsureLoaded();
        var index = LibClang.clang_createIndex(0, 0);
        var handles = new List<nint>();
        try
        {
            byte* Utf8(string s)
            {
                var h = Marshal.StringToCoTaskMemUTF8(s);
                handles.Add(h);
                return (byte*)h;
            }
            var argv = stackalloc byte*[arguments.Count];
            for (var i = 0; i < arguments.Count; i++)
            {
                argv[i] = Utf8(arguments[i]);
            }
            var contents = Encoding.UTF8.GetBytes(mainSource);
            fixed (byte* body = contents)
            {
                var unsaved = new CXUnsavedFile { Filename = Utf8(mainName), Contents = body, Length = (nuint)contents.Length };
                nint unit;
                var error = LibClang.clang_parseTranslationUnit2(index, unsaved.Filename, argv, arguments.Count, &unsaved, 1, flags, &unit);
                if (error != 0)
                {
                    LibClang.clang_disposeIndex(index);
                    throw new ScanException("SCAN002", $"libclang could not parse the headers (CXErrorCode {error}); arguments: {string.Join(' ', arguments)}");
                }
                return new TranslationUnit(index, unit);
            }
        }
        finally
        {
            foreach (var h in handles)
            {
                Marshal.FreeCoTaskMem(h);
            }
        }
    }

    public IEnumerable<ClangDiagnostic> Diagnostics()
    {
        var count = LibClang.clang_getNumDiagnostics(_unit);
        for (uint i = 0; i < count; i++)
        {
            var diagnostic = LibClang.clang_getDiagnostic(_unit, i);
            try
            {
                var location = Cursors.Location(LibClang.clang_getDiagnosticLocation(diagnostic));
                yield return new ClangDiagnostic(LibClang.clang_getDiagnosticSeverity(diagnostic),
                    LibClang.Take(LibClang.clang_getDiagnosticSpelling(diagnostic)), location);
            }
            finally
            {
                LibClang.clang_disposeDiagnostic(diagnostic);
            }
        }
    }

    public CXCursor Cursor => LibClang.clang_getTranslationUnitCursor(_unit);

    /// <summary>The spelling of every token in the cursor's extent.</summary>
    public List<string> Tokens(CXCursor cursor)
    {
        CXToken* tokens;
        uint count;
        LibClang.clang_tokenize(_unit, LibClang.clang_getCursorExtent(cursor), &tokens, &count);
        try
        {
            var result = new List<string>((int)count);
            for (var i = 0; i < count; i++)
            {
                result.Add(LibClang.Take(LibClang.clang_getTokenSpelling(_unit, tokens[i])));
            }
            return result;
        }
        finally
        {
            LibClang.clang_disposeTokens(_unit, tokens, count);
        }
    }

    public void Dispose()
    {
        if (_unit != 0)
        {
            LibClang.clang_disposeTranslationUnit(_unit);
            LibClang.clang_disposeIndex(_index);
            _unit = 0;
        }
    }
}

internal sealed record ClangDiagnostic(CXDiagnosticSeverity Severity, string Message, RawLocation Location)
{
    public bool IsError => Severity >= CXDiagnosticSeverity.Error;
}

/// <summary>A location with the absolute file path libclang reports.</summary>
internal readonly record struct RawLocation(string? Path, int Line, int Column);
