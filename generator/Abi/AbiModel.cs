using System.Numerics;

namespace Iommu.Abi;

// The ABI model of one header set for one architecture (format: headers/MODEL.md), shared as source by the
// scanner, which writes it, the generator (netstandard2.0), which generates from it, and the tests. Plain
// values with value equality, so the generator's pipeline caches on them. ModelLine is the 0-based line an
// item was read from (for the generator's diagnostics); 0 for what the scanner builds.

/// <summary>Everything a binding needs, in clang's numbers. <see cref="Path"/> is the file it was read from, if any.</summary>
internal sealed record AbiModel(
    int Schema,
    string Scanner,
    HeaderSet HeaderSet,
    string Arch,
    string Triple,
    EquatableArray<string> Headers,
    EquatableArray<RecordDecl> Records,
    EquatableArray<EnumDecl> Enums,
    EquatableArray<ConstantDecl> Constants,
    EquatableArray<IoctlDecl> Ioctls)
{
    public const int CurrentSchema = 1;

    public string Path { get; init; } = "";

    /// <summary>Headers the set was asked for that it does not have (linux/iommufd.h before 6.2): recorded, not an
    /// error, so a diff can tell "absent from this kernel" from "not scanned".</summary>
    public EquatableArray<string> AbsentHeaders { get; init; } = EquatableArray<string>.Empty;
}

/// <summary>Where the headers came from: a set name (linux-7.3) and the pinned package.</summary>
internal sealed record HeaderSet(string Name, string Package, string Version);

/// <summary>A header-relative file and 1-based line, written <c>file:line</c>.</summary>
internal sealed record SourceLocation(string File, int Line)
{
    public override string ToString() => $"{File}:{Line}";
}

internal enum RecordKind { Struct, Union }

/// <summary>A struct or union. Anonymous members get a record of their own named
/// <c>parent.__anonN</c> with <see cref="Parent"/> set; C code reaches their fields through the parent.</summary>
internal sealed record RecordDecl(
    string Name,
    RecordKind Kind,
    string? Parent,
    long Size,
    long Align,
    bool Packed,
    EquatableArray<FieldDecl> Fields,
    string? Doc,
    SourceLocation Location)
{
    public bool IsAnonymous => Parent is not null;

    public int ModelLine { get; init; }
}

/// <summary>A field. <see cref="Name"/> is null for an anonymous struct/union member.
/// <see cref="Offset"/> is in bytes; a bitfield also has <see cref="BitOffset"/> (bits from the record start) and <see cref="BitWidth"/>.</summary>
internal sealed record FieldDecl(
    string? Name,
    long Offset,
    TypeRef Type,
    long? BitOffset,
    int? BitWidth,
    string? Doc,
    SourceLocation Location)
{
    public int ModelLine { get; init; }
}

internal enum TypeKind { Int, Pointer, Record, Enum, Array, FlexibleArray }

/// <summary>A field's type. <see cref="C"/> is the spelling in the header (<c>__aligned_u64</c>, <c>struct x</c>);
/// ints carry size and signedness; records and enums their name; arrays their element and count
/// (a flexible array member has no count and takes no bytes).</summary>
internal sealed record TypeRef(
    TypeKind Kind,
    string C,
    long Size,
    long Align,
    bool Signed = false,
    string? Name = null,
    TypeRef? Element = null,
    long? Count = null);

internal sealed record EnumDecl(
    string? Name,
    TypeRef IntegerType,
    EquatableArray<EnumConstant> Constants,
    string? Doc,
    SourceLocation Location)
{
    public int ModelLine { get; init; }
}

/// <summary>An enumerator; the model's values span int64 and uint64.</summary>
internal sealed record EnumConstant(string Name, BigInteger Value, string? Doc);

internal enum ConstantKind { Integer, String }

/// <summary>An object-like <c>#define</c>: an integer (its C type after the usual promotions, and value) or a string literal.</summary>
internal sealed record ConstantDecl(
    string Name,
    ConstantKind Kind,
    string? CType,
    long Size,
    BigInteger Value,
    string? Text,
    string Expression,
    string? Doc,
    SourceLocation Location)
{
    public int ModelLine { get; init; }
}

internal enum IoctlDirection { None = 0, Write = 1, Read = 2, ReadWrite = 3 }

/// <summary>An ioctl request macro (<c>_IO/_IOR/_IOW/_IOWR</c>) decoded with the architecture's own
/// <c>_IOC_*</c> macros, and the argument it takes where kernel-doc, the macro or the name says so.</summary>
internal sealed record IoctlDecl(
    string Name,
    ulong Request,
    string Macro,
    IoctlDirection Direction,
    uint Type,
    uint Number,
    uint Size,
    string Expression,
    IoctlArgument? Argument,
    string? Doc,
    SourceLocation Location)
{
    public int ModelLine { get; init; }
}

/// <summary>What an ioctl takes: a struct (<see cref="Record"/>) or a scalar C type (<see cref="Scalar"/>);
/// <see cref="Source"/> says how that was learnt: "kernel-doc", "macro" or "name".</summary>
internal sealed record IoctlArgument(string? Record, string? Scalar, string Source);
