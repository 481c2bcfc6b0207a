namespace Iommu.Scanner.Model;

/// <summary>The JSON spelling of the model's enums, in one place for the writer and the reader.</summary>
public static class ModelNames
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

    public static string Of(TypeKind kind) => Kinds[kind];
    public static string Of(IoctlDirection direction) => Directions[direction];

    public static TypeKind TypeKindOf(string text) => Parse(Kinds, text, "type kind");
    public static IoctlDirection DirectionOf(string text) => Parse(Directions, text, "ioctl direction");

    private static T Parse<T>(Dictionary<T, string> names, string text, string what) where T : notnull =>
        names.FirstOrDefault(kv => kv.Value == text) is { Value: not null } hit
            ? hit.Key
            : throw new FormatException($"unknown {what} '{text}' (known: {string.Join(", ", names.Values)})");
}
