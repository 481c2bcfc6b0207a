namespace Iommu.Scanner.Model;

/// <summary>The ABI of one header set for one architecture: everything a binding needs, in clang's numbers.
/// Written as JSON by <see cref="ModelJsonWriter"/>; the format is documented in headers/MODEL.md.</summary>
public sealed record AbiModel(
    int Schema,
    string Scanner,
    HeaderSet HeaderSet,
    string Arch,
    string Triple,
    IReadOnlyList<string> Headers,
    IReadOnlyList<RecordDecl> Records,
    IReadOnlyList<EnumDecl> Enums,
    IReadOnlyList<ConstantDecl> Constants,
    IReadOnlyList<IoctlDecl> Ioctls)
{
    public const int CurrentSchema = 1;
}

/// <summary>Where the headers came from: a set name (linux-7.3) and the pinned package.</summary>
public sealed record HeaderSet(string Name, string Package, string Version);

public sealed record SourceLocation(string File, int Line);

public enum RecordKind { Struct, Union }

/// <summary>A struct or union. Anonymous members get a record of their own named
/// <c>parent.__anonN</c> with <see cref="Parent"/> set; C code reaches their fields through the parent.</summary>
public sealed record RecordDecl(
    string Name,
    RecordKind Kind,
    string? Parent,
    long Size,
    long Align,
    bool Packed,
    IReadOnlyList<FieldDecl> Fields,
    string? Doc,
    SourceLocation Location)
{
    public bool IsAnonymous => Parent is not null;
}

/// <summary>A field. <see cref="Name"/> is null for an anonymous struct/union member.
/// <see cref="Offset"/> is in bytes; a bitfield also has <see cref="BitOffset"/> (bits from the record start) and <see cref="BitWidth"/>.</summary>
public sealed record FieldDecl(
    string? Name,
    long Offset,
    TypeRef Type,
    long? BitOffset,
    int? BitWidth,
    string? Doc,
    SourceLocation Location);

public enum TypeKind { Int, Pointer, Record, Enum, Array, FlexibleArray }

/// <summary>A field's type. <see cref="C"/> is the spelling in the header (<c>__aligned_u64</c>, <c>struct x</c>);
/// ints carry size and signedness; records and enums their name; arrays their element and count
/// (a flexible array member has no count and takes no bytes).</summary>
public sealed record TypeRef(
    TypeKind Kind,
    string C,
    long Size,
    long Align,
    bool Signed = false,
    string? Name = null,
    TypeRef? Element = null,
    long? Count = null);

public sealed record EnumDecl(
    string? Name,
    TypeRef IntegerType,
    IReadOnlyList<EnumConstant> Constants,
    string? Doc,
    SourceLocation Location);

public sealed record EnumConstant(string Name, Int128 Value, string? Doc);

public enum ConstantKind { Integer, String }

/// <summary>An object-like <c>#define</c>: an integer (its C type after the usual promotions, and value) or a string literal.</summary>
public sealed record ConstantDecl(
    string Name,
    ConstantKind Kind,
    string? CType,
    long Size,
    Int128 Value,
    string? Text,
    string Expression,
    string? Doc,
    SourceLocation Location);

public enum IoctlDirection { None = 0, Write = 1, Read = 2, ReadWrite = 3 }

/// <summary>An ioctl request macro (<c>_IO/_IOR/_IOW/_IOWR</c>) decoded with the architecture's own
/// <c>_IOC_*</c> macros, and the argument it takes where kernel-doc, the macro or the name says so.</summary>
public sealed record IoctlDecl(
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
    SourceLocation Location);

/// <summary>What an ioctl takes: a struct (<see cref="Record"/>) or a scalar C type (<see cref="Scalar"/>);
/// <see cref="Source"/> says how that was learnt: "kernel-doc", "macro" or "name".</summary>
public sealed record IoctlArgument(string? Record, string? Scalar, string Source);
