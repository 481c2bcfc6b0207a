namespace Linux.Iommu.Interop.Generator.Model;

// The generator's view of an ABI model (headers/MODEL.md): plain values only, so every pipeline step
// caches by value. ModelLine is the 0-based line in the model file, for diagnostics.

internal sealed record ModelInfo(
    string Path,
    string Arch,
    string SetName,
    string Version,
    EquatableArray<RecordInfo> Records,
    EquatableArray<EnumInfo> Enums,
    EquatableArray<ConstantInfo> Constants,
    EquatableArray<IoctlInfo> Ioctls);

internal sealed record RecordInfo(
    string Name,
    bool IsUnion,
    string? Parent,
    long Size,
    long Align,
    bool Packed,
    EquatableArray<FieldInfo> Fields,
    string? Doc,
    string Location,
    int ModelLine);

internal sealed record FieldInfo(
    string? Name,
    long Offset,
    TypeInfo Type,
    long? BitOffset,
    int? BitWidth,
    string? Doc,
    string Location,
    int ModelLine);

/// <summary>Kind is the model's: int, pointer, record, enum, array, flexible-array.</summary>
internal sealed record TypeInfo(
    string Kind,
    string C,
    long Size,
    long Align,
    bool Signed,
    string? Name,
    TypeInfo? Element,
    long? Count);

internal sealed record EnumInfo(
    string? Name,
    TypeInfo Type,
    EquatableArray<EnumConstantInfo> Constants,
    string? Doc,
    string Location,
    int ModelLine);

/// <summary>Value is the decimal text of the integer (the model's values span int64 and uint64).</summary>
internal sealed record EnumConstantInfo(string Name, string Value, string? Doc);

internal sealed record ConstantInfo(
    string Name,
    bool IsString,
    string? CType,
    string Value,
    string? Doc,
    string Location,
    int ModelLine);

internal sealed record IoctlInfo(
    string Name,
    ulong Request,
    string Direction,
    uint Size,
    string? ArgumentRecord,
    string? ArgumentScalar,
    string? Doc,
    string Location,
    int ModelLine);
