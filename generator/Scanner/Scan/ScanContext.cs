using Iommu.Scanner.Clang;

namespace Iommu.Scanner.Scan;

/// <summary>What every part of a scan needs: the include root, the wanted headers, their comments,
/// and how to turn libclang's absolute paths into the model's header-relative ones.</summary>
internal sealed class ScanContext(string includeRoot, IReadOnlyList<string> headers)
{
    private readonly Dictionary<string, (CommentIndex Comments, HeaderLines Lines)?> _files = new(StringComparer.Ordinal);

    public string IncludeRoot { get; } = Path.GetFullPath(includeRoot);
    public IReadOnlyList<string> Headers { get; } = headers;

    /// <summary>The path relative to the include root (arch dirs included: x86_64-linux-gnu/asm/...).</summary>
    public string Relative(string? path) =>
        path is null ? "<unknown>" : Path.GetRelativePath(IncludeRoot, Path.GetFullPath(path)).Replace('\\', '/');

    public bool IsWanted(RawLocation at) => at.Path is not null && Headers.Contains(Relative(at.Path));

    public SourceLocation Locate(RawLocation at) => new(Relative(at.Path), at.Line);

    public SourceLocation Locate(CXCursor cursor) => Locate(cursor.Location());

    /// <summary>The block comments of a header, or null for one that is not a file.</summary>
    public CommentIndex? Comments(string? path) => File(path)?.Comments;

    /// <summary>The source lines of a header, or null for one that is not a file.</summary>
    public HeaderLines? Lines(string? path) => File(path)?.Lines;

    private (CommentIndex Comments, HeaderLines Lines)? File(string? path)
    {
        if (path is null) return null;
        if (!_files.TryGetValue(path, out var file))
        {
            var lines = System.IO.File.Exists(path) ? System.IO.File.ReadAllLines(path) : null;
            _files[path] = file = lines is null ? null : (new CommentIndex(lines), new HeaderLines(lines));
        }
        return file;
    }
}
