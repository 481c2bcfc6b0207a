using System.Collections.Generic;

namespace Iommu.Abi;

/// <summary>The JSON spelling of the model's enums, in one place for the writer and the reader.</summary>
internal static class ModelNames
{
    private static readonly Dictionary<TypeKind, string> Kinds = new()
    {
        [TypeKind.Int] = "int", [TypeKind.Pointer] = "pointer", [TypeKind.Record] = "record",
        [TypeKind.Enum] = "enum", [TypeKind.Array] = "array", [TypeKind.FlexibleArray] = "flexible-array",
    };

    private static readonly Dictionary<IoctlDirection, string> Directions = new()
    {
        [IoctlDirection.None] = "none", [IoctlDirection.Write] = "write",
        [IoctlDirection.Read] = "read", [IoctlDirection.ReadWrite] = "read-write",
    };

    private static readonly Dictionary<RecordKind, string> RecordKinds = new() { [RecordKind.Struct] = "struct", [RecordKind.Union] = "union" };

    private static readonly Dictionary<ConstantKind, string> ConstantKinds = new() { [ConstantKind.Integer] = "integer", [ConstantKind.String] = "string" };

    public static string Of(TypeKind kind) => Kinds[kind];
    public static string Of(IoctlDirection direction) => Directions[direction];
    public static string Of(RecordKind kind) => RecordKinds[kind];
    public static string Of(ConstantKind kind) => ConstantKinds[kind];

    public static TypeKind? TypeKindOf(string text) => Find(Kinds, text);
    public static IoctlDirection? DirectionOf(string text) => Find(Directions, text);
    public static RecordKind? RecordKindOf(string text) => Find(RecordKinds, text);
    public static ConstantKind? ConstantKindOf(string text) => Find(ConstantKinds, text);

    /// <summary>"int, pointer, …": the type kinds there are, for errors.</summary>
    public static string KnownTypeKinds => string.Join(", ", Kinds.Values);

    public static string KnownDirections => string.Join(", ", Directions.Values);

    private static T? Find<T>(Dictionary<T, string> names, string text) where T : struct
    {
        foreach (var pair in names)
        {
            if (pair.Value == text) return pair.Key;
        }
        return null;
    }
}
