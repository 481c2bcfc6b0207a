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
    public static string Type(string recordName) => string.Join(".", System.Linq.Enumerable.Select(recordName.Split('.'), Identifier));
}
