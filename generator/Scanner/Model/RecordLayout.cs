namespace Iommu.Scanner.Model;

/// <summary>Layout views of a record shared by the probe writer, the diff and the scanner.</summary>
public static class RecordLayout
{
    /// <summary>Every named field with its C access path and offset from the record start; members of
    /// anonymous structs and unions appear under the parent, the way C code reaches them.</summary>
    public static IEnumerable<(string Path, long Offset, FieldDecl Field)> Flatten(this RecordDecl record,
        IReadOnlyDictionary<string, RecordDecl> records, long baseOffset = 0)
    {
        foreach (var field in record.Fields)
        {
            if (field.Name is not null)
            {
                yield return (field.Name, baseOffset + field.Offset, field);
                continue;
            }
            foreach (var inner in records[field.Type.Name!].Flatten(records, baseOffset + field.Offset))
            {
                yield return inner;
            }
        }
    }

    /// <summary>"size" or "argsz" when the first field is the __u32 the kernel reads to learn how much of
    /// the struct user space passed: such structs may grow at the tail compatibly.</summary>
    public static string? SizeField(this RecordDecl record) =>
        record.Fields is [{ Name: "size" or "argsz", Offset: 0, Type: { Kind: TypeKind.Int, Size: 4 } } first, ..] ? first.Name : null;
}
