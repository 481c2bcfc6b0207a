using System;
using System.Collections.Generic;

namespace Iommu.Abi;

/// <summary>The layout rules every reader of the model applies the same way: the scanner's probe and diff,
/// the generator's struct emitter, the tests.</summary>
internal static class RecordLayout
{
    /// <summary>Every named field with its C access path and offset from the record start; members of
    /// anonymous structs and unions appear under the parent, the way C code reaches them. An anonymous member
    /// whose record the model lacks goes to <paramref name="missing"/> (thrown about when none is given).</summary>
    public static IEnumerable<(string Path, long Offset, FieldDecl Field)> Flatten(this RecordDecl record,
        IReadOnlyDictionary<string, RecordDecl> records, long baseOffset = 0, Action<RecordDecl, FieldDecl>? missing = null)
    {
        foreach (var field in record.Fields)
        {
            if (field.Name is not null)
            {
                yield return (field.Name, baseOffset + field.Offset, field);
                continue;
            }
            if (field.Type.Name is null || !records.TryGetValue(field.Type.Name, out var member))
            {
                if (missing is null) throw new KeyNotFoundException($"{record.Name}: the anonymous member's record '{field.Type.Name}' is not in the model");
                missing(record, field);
                continue;
            }
            foreach (var inner in member.Flatten(records, baseOffset + field.Offset, missing))
            {
                yield return inner;
            }
        }
    }

    /// <summary>The first field when it is the <c>__u32 size</c> or <c>argsz</c> the kernel reads to learn how
    /// much of the struct user space passed: such a struct is size-versioned and may grow at the tail compatibly.</summary>
    public static FieldDecl? SizeField(this RecordDecl record) =>
        record.Fields.Count > 0 && record.Fields[0] is { Name: "size" or "argsz", Offset: 0, Type: { Kind: TypeKind.Int, Size: 4 } } first ? first : null;
}
