using System.Text.RegularExpressions;
using Iommu.Scanner.Clang;

namespace Iommu.Scanner.Scan;

/// <summary>Structs, unions and enums defined in the wanted headers, plus every record their fields
/// reach, with clang's sizes, alignments and offsets.</summary>
internal sealed partial class DeclarationScanner(ScanContext context)
{
    private readonly List<RecordDecl> _records = [];
    private readonly List<EnumDecl> _enums = [];
    private readonly HashSet<string> _recordNames = new(StringComparer.Ordinal);
    private readonly Dictionary<(string?, int, int), string> _anonymousNames = [];
    private readonly Queue<CXCursor> _reached = new();

    public IReadOnlyList<RecordDecl> Records => _records;
    public IReadOnlyList<EnumDecl> Enums => _enums;

    public void Scan(TranslationUnit unit)
    {
        foreach (var cursor in Cursors.Children(unit.Cursor))
        {
            if (!context.IsWanted(cursor.Location()) || LibClang.clang_isCursorDefinition(cursor) == 0)
            {
                continue;
            }
            switch (cursor.Kind())
            {
                case CXCursorKind.StructDecl or CXCursorKind.UnionDecl when LibClang.clang_Cursor_isAnonymousRecordDecl(cursor) == 0:
                    AddRecord(cursor, cursor.Spelling(), parent: null, docOwner: null);
                    break;
                case CXCursorKind.EnumDecl:
                    AddEnum(cursor);
                    break;
            }
        }
        // Records declared outside the wanted headers but used by their fields.
        while (_reached.TryDequeue(out var cursor))
        {
            var name = cursor.Spelling();
            if (!_recordNames.Contains(name))
            {
                AddRecord(cursor, name, parent: null, docOwner: null);
            }
        }
    }

    private void AddRecord(CXCursor cursor, string name, string? parent, KernelDoc? docOwner)
    {
        _recordNames.Add(name);
        var type = LibClang.clang_getCursorType(cursor);
        var at = cursor.Location();
        var size = LibClang.clang_Type_getSizeOf(type);
        if (size < 0)
        {
            throw new ScanException("SCAN010", $"record '{name}' has no complete layout (clang error {size})", context.Locate(at));
        }
        var comments = context.Comments(at.Path);
        var doc = parent is null ? ParseDoc(comments?.Before(cursor.StartLine())) : docOwner;
        var children = Cursors.Children(cursor);
        var fields = new List<FieldDecl>();
        var anonymousCount = 0;
        var index = _records.Count;
        _records.Add(null!); // keep parents before their anonymous members
        foreach (var child in children)
        {
            switch (child.Kind())
            {
                case CXCursorKind.FieldDecl:
                    fields.Add(Field(child, name, doc, comments, ref anonymousCount));
                    break;
                case CXCursorKind.StructDecl or CXCursorKind.UnionDecl when LibClang.clang_Cursor_isAnonymousRecordDecl(child) != 0:
                    // "union { ... };" inside a struct: libclang shows the record, not its implicit field.
                    var member = $"{name}.__anon{anonymousCount++}";
                    _anonymousNames[child.Key()] = member;
                    AddRecord(child, member, parent: name, docOwner: doc);
                    var memberRecord = _records.First(r => r?.Name == member);
                    fields.Add(new FieldDecl(null, AnonymousOffset(type, memberRecord, child), 
                        new TypeRef(TypeKind.Record, child.Kind() == CXCursorKind.UnionDecl ? "union" : "struct", memberRecord.Size, memberRecord.Align, Name: member),
                        null, null, null, context.Locate(child)));
                    break;
            }
        }
        var packed = children.Any(c => c.Kind() == CXCursorKind.PackedAttr);
        _records[index] = new RecordDecl(name, cursor.Kind() == CXCursorKind.UnionDecl ? RecordKind.Union : RecordKind.Struct,
            parent, size, LibClang.clang_Type_getAlignOf(type), packed, fields, parent is null ? doc?.Description : null, context.Locate(at));
    }

    private FieldDecl Field(CXCursor child, string owner, KernelDoc? doc, CommentIndex? comments, ref int anonymousCount)
    {
        var fieldName = child.Spelling();
        var fieldType = LibClang.clang_getCursorType(child);
        var fieldAt = child.Location();
        var declaration = LibClang.clang_getTypeDeclaration(LibClang.clang_getCanonicalType(fieldType));
        if (declaration.Kind() is CXCursorKind.StructDecl or CXCursorKind.UnionDecl && LibClang.clang_Cursor_isAnonymous(declaration) != 0 &&
            !_anonymousNames.ContainsKey(declaration.Key()))
        {
            // "struct { ... } name;": a named field of an unnamed type.
            var typeName = $"{owner}.__anon{anonymousCount++}";
            _anonymousNames[declaration.Key()] = typeName;
            AddRecord(declaration, typeName, parent: owner, docOwner: doc);
        }
        var bitOffset = LibClang.clang_Cursor_getOffsetOfField(child);
        if (bitOffset < 0)
        {
            throw new ScanException("SCAN011", $"field '{owner}.{fieldName}' has no offset (clang error {bitOffset})", context.Locate(fieldAt));
        }
        var isBitField = LibClang.clang_Cursor_isBitField(child) != 0;
        var typeRef = Types(fieldType, fieldAt);
        // __aligned_u64 is a macro (__u64 with an aligned attribute): keep the header's spelling.
        if (typeRef.Kind == TypeKind.Int && context.Lines(fieldAt.Path)?.Line(fieldAt.Line).TrimStart() is { } text &&
            text.StartsWith("__aligned_", StringComparison.Ordinal))
        {
            typeRef = typeRef with { C = text.Split([' ', '\t'], 2)[0] };
        }
        return new FieldDecl(fieldName, bitOffset / 8, typeRef, isBitField ? bitOffset : null,
            isBitField ? LibClang.clang_getFieldDeclBitWidth(child) : null, FieldDoc(doc, comments, fieldName, fieldAt.Line), context.Locate(fieldAt));
    }

    /// <summary>An anonymous member has no field cursor; its offset is that of its first named field, found
    /// through the parent (clang resolves indirect fields by name), less that field's offset inside it.</summary>
    private long AnonymousOffset(CXType parent, RecordDecl member, CXCursor at)
    {
        foreach (var (path, offset, _) in member.Flatten(_records.Where(r => r is not null).ToDictionary(r => r.Name)))
        {
            var bits = LibClang.clang_Type_getOffsetOf(parent, path);
            if (bits >= 0)
            {
                return bits / 8 - offset;
            }
        }
        throw new ScanException("SCAN013", $"anonymous member of '{member.Parent}' has no named field to locate it", context.Locate(at));
    }

    private static KernelDoc? ParseDoc(CommentIndex.Comment? comment) => comment is null ? null : KernelDoc.Parse(comment);

    private static string? FieldDoc(KernelDoc? owner, CommentIndex? comments, string field, int line)
    {
        if (owner is not null && owner.Members.TryGetValue(field, out var text) && text.Length > 0)
        {
            return text;
        }
        return comments?.TrailingComment(line) ?? comments?.Before(line)?.Text;
    }

    private TypeRef Types(CXType type, RawLocation at)
    {
        var spelling = Portable(type.Spelling());
        var canonical = LibClang.clang_getCanonicalType(type);
        var size = LibClang.clang_Type_getSizeOf(canonical);
        var align = LibClang.clang_Type_getAlignOf(type);
        switch (canonical.Kind)
        {
            case CXTypeKind.Bool or CXTypeKind.Char_U or CXTypeKind.UChar or CXTypeKind.UShort or CXTypeKind.UInt
                or CXTypeKind.ULong or CXTypeKind.ULongLong:
                return new TypeRef(TypeKind.Int, spelling, size, align, Signed: false);
            case CXTypeKind.Char_S or CXTypeKind.SChar or CXTypeKind.Short or CXTypeKind.Int or CXTypeKind.Long or CXTypeKind.LongLong:
                return new TypeRef(TypeKind.Int, spelling, size, align, Signed: true);
            case CXTypeKind.Pointer when LibClang.clang_getCanonicalType(LibClang.clang_getPointeeType(canonical)).Kind
                is not (CXTypeKind.FunctionProto or CXTypeKind.FunctionNoProto):
                return new TypeRef(TypeKind.Pointer, spelling, size, align);
            case CXTypeKind.Enum:
                return new TypeRef(TypeKind.Enum, spelling, size, align, Signed: IsSigned(LibClang.clang_getEnumDeclIntegerType(LibClang.clang_getTypeDeclaration(canonical))),
                    Name: LibClang.clang_getTypeDeclaration(canonical).Spelling());
            case CXTypeKind.Record:
                var declaration = LibClang.clang_getTypeDeclaration(canonical);
                if (!_anonymousNames.TryGetValue(declaration.Key(), out var name))
                {
                    name = declaration.Spelling();
                    if (!_recordNames.Contains(name))
                    {
                        _reached.Enqueue(declaration);
                    }
                }
                return new TypeRef(TypeKind.Record, spelling, size, align, Name: name);
            case CXTypeKind.ConstantArray:
                return new TypeRef(TypeKind.Array, spelling, size, align,
                    Element: Types(LibClang.clang_getArrayElementType(type), at), Count: LibClang.clang_getArraySize(canonical));
            case CXTypeKind.IncompleteArray:
                var element = Types(LibClang.clang_getArrayElementType(type), at);
                return new TypeRef(TypeKind.FlexibleArray, spelling, 0, element.Align, Element: element);
            default:
                throw new ScanException("SCAN012",
                    $"unsupported C construct: a field of type '{spelling}' (clang type kind {(int)canonical.Kind}); the model has no form for it",
                    context.Locate(at));
        }
    }

    /// <summary>clang spells an unnamed type with its absolute path ("struct (unnamed struct at /home/u/.cache/…/x.h:87:3)");
    /// the model keeps it header-relative, so it reproduces on any machine.</summary>
    private string Portable(string spelling) =>
        UnnamedAt().Replace(spelling, m => m.Groups[1].Value + context.Relative(m.Groups[2].Value) + m.Groups[3].Value);

    [GeneratedRegex(@"(\((?:unnamed|anonymous) \w+ at )(.+?)(:\d+:\d+\))")]
    private static partial Regex UnnamedAt();

    private static bool IsSigned(CXType integer) =>
        LibClang.clang_getCanonicalType(integer).Kind is CXTypeKind.Char_S or CXTypeKind.SChar or CXTypeKind.Short
            or CXTypeKind.Int or CXTypeKind.Long or CXTypeKind.LongLong;

    private void AddEnum(CXCursor cursor)
    {
        var at = cursor.Location();
        var comments = context.Comments(at.Path);
        var doc = ParseDoc(comments?.Before(cursor.StartLine()));
        var integer = LibClang.clang_getEnumDeclIntegerType(cursor);
        var signed = IsSigned(integer);
        var constants = new List<EnumConstant>();
        foreach (var child in Cursors.Children(cursor))
        {
            if (child.Kind() != CXCursorKind.EnumConstantDecl)
            {
                continue;
            }
            var name = child.Spelling();
            Int128 value = signed ? LibClang.clang_getEnumConstantDeclValue(child) : LibClang.clang_getEnumConstantDeclUnsignedValue(child);
            var memberDoc = doc is not null && doc.Members.TryGetValue(name, out var text) && text.Length > 0
                ? text
                : comments?.TrailingComment(child.Location().Line);
            constants.Add(new EnumConstant(name, value, memberDoc));
        }
        var spelling = cursor.Spelling();
        var anonymous = spelling.Length == 0 || spelling.Contains("(unnamed", StringComparison.Ordinal) || spelling.Contains("(anonymous", StringComparison.Ordinal);
        var canonical = LibClang.clang_getCanonicalType(integer);
        _enums.Add(new EnumDecl(anonymous ? null : spelling,
            new TypeRef(TypeKind.Int, canonical.Spelling(), LibClang.clang_Type_getSizeOf(canonical), LibClang.clang_Type_getAlignOf(canonical), signed),
            constants, doc?.Description, context.Locate(at)));
    }
}
