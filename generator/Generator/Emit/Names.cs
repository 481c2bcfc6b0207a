using Microsoft.CodeAnalysis.CSharp;

namespace Linux.Iommu.Interop.Generator.Emit;

/// <summary>Kernel names are kept as they are; only C# keywords get an '@'.</summary>
internal static class Names
{
    public static string Identifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None
            ? "@" + name
            : name;

    /// <summary>A model record name as a C# type: anonymous records (parent.__anonN) are nested types.</summary>
    public static string Type(string recordName) => string.Join(".", Segments(recordName));

    /// <summary>The C# name a record's own declaration uses (the last segment of <see cref="Type"/>).</summary>
    public static string Simple(string recordName) => System.Linq.Enumerable.Last(Segments(recordName));

    // C allows an anonymous member inside an anonymous member at the same index (iommufd_test.h:
    // iommu_test_cmd.__anon0.__anon0); C# forbids a nested type named like the type around it (CS0542),
    // so such a segment gets one '_' more than the one around it.
    private static System.Collections.Generic.IEnumerable<string> Segments(string recordName)
    {
        string? outer = null;
        foreach (var segment in recordName.Split('.'))
        {
            var name = Identifier(segment);
            while (name == outer) name += "_";
            yield return outer = name;
        }
    }
}
