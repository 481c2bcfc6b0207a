using System.Runtime.InteropServices;

namespace Iommu.Scanner.Clang;

/// <summary>Small conveniences over cursors: children as a list, names, locations.</summary>
internal static unsafe class Cursors
{
    public static List<CXCursor> Children(CXCursor parent)
    {
        var children = new List<CXCursor>();
        var handle = GCHandle.Alloc(children);
        try
        {
            LibClang.clang_visitChildren(parent, &Collect, GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }
        return children;
    }

    [UnmanagedCallersOnly]
    private static CXChildVisitResult Collect(CXCursor cursor, CXCursor parent, nint clientData)
    {
        ((List<CXCursor>)GCHandle.FromIntPtr(clientData).Target!).Add(cursor);
        return CXChildVisitResult.Continue;
    }

    public static CXCursorKind Kind(this CXCursor cursor) => LibClang.clang_getCursorKind(cursor);

    public static string Spelling(this CXCursor cursor) => LibClang.Take(LibClang.clang_getCursorSpelling(cursor));

    public static string Spelling(this CXType type) => LibClang.Take(LibClang.clang_getTypeSpelling(type));

    public static RawLocation Location(this CXCursor cursor) => Location(LibClang.clang_getCursorLocation(cursor));

    /// <summary>The line where the cursor's extent starts (a struct's <c>struct</c> keyword, not its name).</summary>
    public static int StartLine(this CXCursor cursor) =>
        Location(LibClang.clang_getRangeStart(LibClang.clang_getCursorExtent(cursor))).Line;

    public static RawLocation Location(CXSourceLocation location)
    {
        nint file;
        uint line, column, offset;
        LibClang.clang_getFileLocation(location, &file, &line, &column, &offset);
        var path = file == 0 ? null : LibClang.Take(LibClang.clang_getFileName(file));
        return new RawLocation(path, (int)line, (int)column);
    }

    /// <summary>Identity of a declaration across visits (libclang cursors are not comparable by value).</summary>
    public static (string?, int, int) Key(this CXCursor cursor)
    {
        var at = cursor.Location();
        return (at.Path, at.Line, at.Column);
    }
}
