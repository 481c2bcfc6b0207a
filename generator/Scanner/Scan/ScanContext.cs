using Iommu.Scanner.Clang;
using Iommu.Scanner.Model;

namespace Iommu.Scanner.Scan;

/// <summary>What every part of a scan needs: the include root, the wanted headers, their comments,
/// and how to turn libclang's absolute paths into the model's header-relative ones.</summary>
internal sealed class ScanContext(string includeRoot, IReadOnlyList<string> headers)
{
    private readonly Dictionary<string, CommentIndex> _comments = new(StringComparer.Ordinal);

    public string IncludeRoot { get; } = Path.GetFullPath(includeRoot);
    public IReadOnlyList<string> Headers { get; } = headers;

    /// <summary>The path relative to the include root (arch dirs included: x86_64-linux-gnu/asm/...).</summary>
    public string Relative(string? path) =>
        path is null ? "<unknown>" : Path.GetRelativePath(IncludeRoot, Path.GetFullPath(path)).Replace('\\', '/');

    public bool IsWanted(RawLocation at) => at.Path is not null && Headers.Contains(Relative(at.Path));

    public SourceLocation Locate(RawLocation at) => new(Relative(at.Path), at.Line);

    public SourceLocation Locate(CXCursor cursor) => Locate(cursor.Location());

    public CommentIndex? Comments(string? path)
    {
        if (path is null || !File.Exists(path))
        {
            return null;
        }
        if (!_comments.TryGetValue(path, out var index))
        {
            _comments[path] = index = new CommentIndex(path);
        }
        return index;
    }
}
