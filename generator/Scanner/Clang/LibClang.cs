using System.Runtime.InteropServices;

namespace Iommu.Scanner.Clang;

/// <summary>The part of libclang's C API the scanner uses. Blittable signatures only, so the
/// source-generated marshallers add no per-call work; strings go through <see cref="CXString"/>.</summary>
internal static unsafe partial class LibClang
{
    internal const string Library = "clang";

    [LibraryImport(Library)] internal static partial nint clang_createIndex(int excludeDeclarationsFromPch, int displayDiagnostics);
    [LibraryImport(Library)] internal static partial void clang_disposeIndex(nint index);

    [LibraryImport(Library)]
    internal static partial int clang_parseTranslationUnit2(nint index, byte* sourceFilename, byte** commandLineArgs, int numArgs,
        CXUnsavedFile* unsavedFiles, uint numUnsavedFiles, CXTranslationUnitFlags options, nint* translationUnit);
    [LibraryImport(Library)] internal static partial void clang_disposeTranslationUnit(nint translationUnit);

    [LibraryImport(Library)] internal static partial uint clang_getNumDiagnostics(nint translationUnit);
    [LibraryImport(Library)] internal static partial nint clang_getDiagnostic(nint translationUnit, uint index);
    [LibraryImport(Library)] internal static partial void clang_disposeDiagnostic(nint diagnostic);
    [LibraryImport(Library)] internal static partial CXDiagnosticSeverity clang_getDiagnosticSeverity(nint diagnostic);
    [LibraryImport(Library)] internal static partial CXString clang_getDiagnosticSpelling(nint diagnostic);
    [LibraryImport(Library)] internal static partial CXSourceLocation clang_getDiagnosticLocation(nint diagnostic);

    [LibraryImport(Library)] internal static partial CXCursor clang_getTranslationUnitCursor(nint translationUnit);
    [LibraryImport(Library)]
    internal static partial uint clang_visitChildren(CXCursor parent,
        delegate* unmanaged<CXCursor, CXCursor, nint, CXChildVisitResult> visitor, nint clientData);

    [LibraryImport(Library)] internal static partial CXCursorKind clang_getCursorKind(CXCursor cursor);
    [LibraryImport(Library)] internal static partial CXString clang_getCursorSpelling(CXCursor cursor);
    [LibraryImport(Library)] internal static partial CXType clang_getCursorType(CXCursor cursor);
    [LibraryImport(Library)] internal static partial CXSourceLocation clang_getCursorLocation(CXCursor cursor);
    [LibraryImport(Library)] internal static partial CXSourceRange clang_getCursorExtent(CXCursor cursor);
    [LibraryImport(Library)] internal static partial uint clang_isCursorDefinition(CXCursor cursor);
    [LibraryImport(Library)] internal static partial uint clang_Cursor_isAnonymousRecordDecl(CXCursor cursor);
    [LibraryImport(Library)] internal static partial uint clang_Cursor_isAnonymous(CXCursor cursor);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)] internal static partial long clang_Type_getOffsetOf(CXType type, string field);
    [LibraryImport(Library)] internal static partial uint clang_Cursor_isBitField(CXCursor cursor);
    [LibraryImport(Library)] internal static partial int clang_getFieldDeclBitWidth(CXCursor cursor);
    [LibraryImport(Library)] internal static partial long clang_Cursor_getOffsetOfField(CXCursor cursor);
    [LibraryImport(Library)] internal static partial uint clang_Cursor_isMacroFunctionLike(CXCursor cursor);
    [LibraryImport(Library)] internal static partial CXType clang_getEnumDeclIntegerType(CXCursor cursor);
    [LibraryImport(Library)] internal static partial long clang_getEnumConstantDeclValue(CXCursor cursor);
    [LibraryImport(Library)] internal static partial ulong clang_getEnumConstantDeclUnsignedValue(CXCursor cursor);

    [LibraryImport(Library)] internal static partial CXString clang_getTypeSpelling(CXType type);
    [LibraryImport(Library)] internal static partial CXType clang_getCanonicalType(CXType type);
    [LibraryImport(Library)] internal static partial CXCursor clang_getTypeDeclaration(CXType type);
    [LibraryImport(Library)] internal static partial CXType clang_getArrayElementType(CXType type);
    [LibraryImport(Library)] internal static partial long clang_getArraySize(CXType type);
    [LibraryImport(Library)] internal static partial CXType clang_getPointeeType(CXType type);
    [LibraryImport(Library)] internal static partial long clang_Type_getSizeOf(CXType type);
    [LibraryImport(Library)] internal static partial long clang_Type_getAlignOf(CXType type);

    [LibraryImport(Library)] internal static partial void clang_getFileLocation(CXSourceLocation location, nint* file, uint* line, uint* column, uint* offset);
    [LibraryImport(Library)] internal static partial CXString clang_getFileName(nint file);
    [LibraryImport(Library)] internal static partial CXSourceLocation clang_getRangeStart(CXSourceRange range);

    [LibraryImport(Library)] internal static partial void clang_tokenize(nint translationUnit, CXSourceRange range, CXToken** tokens, uint* numTokens);
    [LibraryImport(Library)] internal static partial void clang_disposeTokens(nint translationUnit, CXToken* tokens, uint numTokens);
    [LibraryImport(Library)] internal static partial CXString clang_getTokenSpelling(nint translationUnit, CXToken token);

    [LibraryImport(Library)] internal static partial nint clang_Cursor_Evaluate(CXCursor cursor);
    [LibraryImport(Library)] internal static partial CXEvalResultKind clang_EvalResult_getKind(nint result);
    [LibraryImport(Library)] internal static partial uint clang_EvalResult_isUnsignedInt(nint result);
    [LibraryImport(Library)] internal static partial ulong clang_EvalResult_getAsUnsigned(nint result);
    [LibraryImport(Library)] internal static partial long clang_EvalResult_getAsLongLong(nint result);
    [LibraryImport(Library)] internal static partial void clang_EvalResult_dispose(nint result);

    [LibraryImport(Library)] internal static partial byte* clang_getCString(CXString text);
    [LibraryImport(Library)] internal static partial void clang_disposeString(CXString text);

    /// <summary>Copies a libclang string into managed memory and releases it.</summary>
    internal static string Take(CXString text)
    {
        try { return Marshal.PtrToStringUTF8((nint)clang_getCString(text)) ?? ""; }
        finally { clang_disposeString(text); }
    }
}
