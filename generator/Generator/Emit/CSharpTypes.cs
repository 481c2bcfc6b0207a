using System.Collections.Generic;

namespace Linux.Iommu.Interop.Generator.Emit;

/// <summary>C integer types as C# types (by size and sign, the way the model states them).</summary>
internal static class CSharpTypes
{
    public static string Integer(long size, bool signed) => (size, signed) switch
    {
        (1, true) => "sbyte",
        (1, false) => "byte",
        (2, true) => "short",
        (2, false) => "ushort",
        (4, true) => "int",
        (4, false) => "uint",
        (8, true) => "long",
        (8, false) => "ulong",
        _ => throw new KeyNotFoundException($"no C# integer of {size} bytes"),
    };

    /// <summary>The C# type of a constant from the C type clang gave its expression.</summary>
    public static string? OfCType(string cType) => cType switch
    {
        "int" => "int",
        "unsigned int" => "uint",
        "long" or "long long" => "long",
        "unsigned long" or "unsigned long long" => "ulong",
        "short" => "short",
        "unsigned short" => "ushort",
        "char" or "signed char" => "sbyte",
        "unsigned char" => "byte",
        "__u8" => "byte",
        "__s8" => "sbyte",
        "__u16" => "ushort",
        "__s16" => "short",
        "__u32" => "uint",
        "__s32" => "int",
        "__u64" => "ulong",
        "__s64" => "long",
        _ => null,
    };

    /// <summary>A field's C# type where it is a plain value (ints, enums, pointers, records); arrays are not.</summary>
    public static string Value(TypeRef type, IReadOnlyDictionary<string, EnumDecl> enums) => type.Kind switch
    {
        TypeKind.Int => Integer(type.Size, type.Signed),
        TypeKind.Pointer => "nuint",
        TypeKind.Enum when type.Name is not null && enums.ContainsKey(type.Name) => Names.Type(type.Name),
        TypeKind.Enum => Integer(type.Size, type.Signed),
        TypeKind.Record => Names.Type(type.Name!),
        _ => throw new KeyNotFoundException($"{type.Kind} is not a value type"),
    };
}
