using System.Reflection;
using Linux.Iommu.Interop.Generator.Tests.Support;
using static Linux.Iommu.Interop.Generator.Tests.Support.TinyModel;

namespace Linux.Iommu.Interop.Generator.Tests;

/// <summary>One C construct at a time, from a hand-written model: the generated code compiles without
/// warnings and behaves like the C it mirrors (run, not just read).</summary>
public class ConstructTests
{
    private static GeneratorHarness.Result Generate(string model, string list, string source = "")
    {
        var harness = new GeneratorHarness().Model(ModelPath, model).List(list);
        if (source.Length > 0) harness.Source(source);
        var result = harness.Run();
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileDiagnostics);
        return result;
    }

    private static object? Call(GeneratorHarness.Result result, string method) =>
        result.Load().GetType("Probe")!.GetMethod(method, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, null);

    private static readonly string SizeVersioned = Record("tiny_alloc", 16, 8, string.Join(",",
        Field("size", 0, U32), Field("flags", 4, U32), Field("out_id", 8, U64)));

    [Fact]
    public void Size_versioned_struct_has_explicit_layout_and_Create_sets_its_size()
    {
        var result = Generate(Build(records: SizeVersioned), "tiny_alloc", """
            public static class Probe { public static uint Size() => Linux.Iommu.tiny_alloc.Create().size; }
            """);

        var source = result.Source("Struct.tiny_alloc.g.cs");
        Assert.Contains("[StructLayout(LayoutKind.Explicit, Size = 16)]", source);
        Assert.Contains("[FieldOffset(8)] public ulong out_id;", source);
        Assert.Contains("/// <remarks>Declared in <c>linux/tiny.h:10</c>.", source);
        Assert.Equal(16u, Call(result, "Size"));
    }

    [Fact]
    public void Anonymous_union_members_are_flattened_into_the_parent_and_overlap()
    {
        var model = Build(records: string.Join(",",
            Record("tiny_info", 8, 4, Field("size", 0, U32) + ",\n" + """{ "offset": 4, "type": { "kind": "record", "c": "union", "size": 4, "align": 4, "name": "tiny_info.__anon0" }, "location": "linux/tiny.h:2" }"""),
            Record("tiny_info.__anon0", 4, 4, Field("in_type", 0, U32) + "," + Field("out_type", 0, U32), kind: "union", extra: "\"parent\": \"tiny_info\", ")));

        var result = Generate(model, "tiny_info", """
            public static class Probe { public static uint Alias() { var i = new Linux.Iommu.tiny_info(); i.in_type = 7; return i.out_type; } }
            """);

        var source = result.Source("Struct.tiny_info.g.cs");
        Assert.Contains("[FieldOffset(4)] public uint in_type;", source);
        Assert.Contains("[FieldOffset(4)] public uint out_type;", source);
        Assert.Equal(7u, Call(result, "Alias"));
    }

    [Fact]
    public void A_named_struct_inside_an_anonymous_union_at_the_same_index_gets_a_distinct_nested_type_name()
    {
        // iommufd_test.h: struct iommu_test_cmd { ...; union { struct { ... } add_reserved; ... }; } gives the model
        // iommu_test_cmd.__anon0.__anon0, which C# cannot nest as __anon0 in __anon0 (CS0542).
        var inner = """{ "kind": "record", "c": "struct (unnamed struct at linux/tiny.h:3:3)", "size": 8, "align": 8, "name": "tiny_cmd.__anon0.__anon0" }""";
        var model = Build(records: string.Join(",",
            Record("tiny_cmd", 16, 8, Field("size", 0, U32) + ",\n" + """{ "offset": 8, "type": { "kind": "record", "c": "union", "size": 8, "align": 8, "name": "tiny_cmd.__anon0" }, "location": "linux/tiny.h:2" }"""),
            Record("tiny_cmd.__anon0", 8, 8, Field("add_reserved", 0, inner) + "," + Field("refs", 0, U32), kind: "union", extra: "\"parent\": \"tiny_cmd\", "),
            Record("tiny_cmd.__anon0.__anon0", 8, 8, Field("start", 0, U64), extra: "\"parent\": \"tiny_cmd.__anon0\", ")));

        var result = Generate(model, "tiny_cmd", """
            public static class Probe
            {
                public static string Use()
                {
                    var c = Linux.Iommu.tiny_cmd.Create();
                    c.add_reserved.start = 0x1_0000_0005;
                    return $"{c.refs} {System.Runtime.CompilerServices.Unsafe.SizeOf<Linux.Iommu.tiny_cmd.__anon0.__anon0_>()}";
                }
            }
            """);

        Assert.Contains("[FieldOffset(8)] public tiny_cmd.__anon0.__anon0_ add_reserved;", result.Source("Struct.tiny_cmd.g.cs"));
        Assert.Equal("5 8", Call(result, "Use"));
    }

    [Fact]
    public void Fixed_arrays_become_inline_arrays_of_the_C_length()
    {
        var array = """{ "kind": "array", "c": "__u8[3]", "size": 3, "align": 1, "count": 3, "element": """ + U8 + " }";
        var result = Generate(Build(records: Record("tiny_pad", 4, 1, Field("tag", 0, U8) + "," + Field("__reserved", 1, array))), "tiny_pad", """
            public static class Probe
            {
                public static int Length() { var p = new Linux.Iommu.tiny_pad(); p.__reserved[2] = 9; return System.Runtime.CompilerServices.Unsafe.SizeOf<Linux.Iommu.tiny_pad.__reserved_e__FixedBuffer>() * 10 + p.__reserved[2]; }
            }
            """);

        Assert.Contains("[InlineArray(3)]", result.Source("Struct.tiny_pad.g.cs"));
        Assert.Equal(39, Call(result, "Length"));
    }

    [Fact]
    public void Flexible_array_takes_no_bytes_and_is_reached_through_a_checked_span()
    {
        var flex = """{ "kind": "flexible-array", "c": "__u64[]", "size": 0, "align": 8, "element": """ + U64 + " }";
        var result = Generate(Build(records: Record("tiny_ranges", 8, 8, Field("argsz", 0, U32) + "," + Field("count", 4, U32) + "," + Field("ranges", 8, flex))), "tiny_ranges", """
            public static class Probe
            {
                public static string Use()
                {
                    var buffer = new byte[Linux.Iommu.tiny_ranges.SizeOf(3)];
                    Linux.Iommu.tiny_ranges.AsSpan(buffer, 3)[2] = 0x1122;
                    string tooSmall;
                    try { Linux.Iommu.tiny_ranges.AsSpan(new byte[16], 3); tooSmall = "no exception"; }
                    catch (System.ArgumentException e) { tooSmall = e.Message; }
                    return $"{System.Runtime.CompilerServices.Unsafe.SizeOf<Linux.Iommu.tiny_ranges>()} {buffer.Length} {System.BitConverter.ToUInt64(buffer, 24):x} {tooSmall}";
                }
            }
            """);

        Assert.Equal("8 32 1122 tiny_ranges with 3 elements needs 32 bytes, the buffer has 16 (Parameter 'buffer')", Call(result, "Use"));
    }

    [Fact]
    public void Bitfields_read_and_write_only_their_own_bits_with_sign()
    {
        var model = Build(records: Record("tiny_bits", 8, 4, string.Join(",",
            Field("low", 4, U32, ", \"bitOffset\": 32, \"bitWidth\": 3"),
            Field("mid", 4, S32, ", \"bitOffset\": 35, \"bitWidth\": 7"),
            Field("tail", 6, U8))));

        var result = Generate(model, "tiny_bits", """
            public static class Probe
            {
                public static string Use()
                {
                    var b = new Linux.Iommu.tiny_bits();
                    b.tail = 0xAA;
                    b.low = 7;
                    b.mid = -3;
                    b.low = 5;
                    return $"{b.low} {b.mid} {b.tail:x}";
                }
            }
            """);

        Assert.Equal("5 -3 aa", Call(result, "Use"));
    }

    [Fact]
    public void Enums_keep_their_underlying_type_and_bit_sets_are_Flags()
    {
        var enums = """
            { "name": "tiny_flags", "type": { "kind": "int", "c": "unsigned int", "size": 4, "align": 4, "signed": false }, "location": "linux/tiny.h:3",
              "constants": [{ "name": "TINY_A", "value": 1 }, { "name": "TINY_B", "value": 2 }, { "name": "TINY_C", "value": 4 }] },
            { "name": "tiny_type", "type": { "kind": "int", "c": "unsigned int", "size": 4, "align": 4, "signed": false }, "location": "linux/tiny.h:4",
              "constants": [{ "name": "TINY_NONE", "value": 0 }, { "name": "TINY_ONE", "value": 1 }, { "name": "TINY_TWO", "value": 2 }] },
            { "name": "tiny_signed", "type": { "kind": "int", "c": "int", "size": 4, "align": 4, "signed": true }, "location": "linux/tiny.h:5",
              "constants": [{ "name": "TINY_NEG", "value": -2 }] }
            """;
        var result = Generate(Build(enums: enums), "tiny_*");

        Assert.Contains("[global::System.Flags]\ninternal enum tiny_flags : uint", result.Source("Enum.tiny_flags.g.cs"));
        Assert.DoesNotContain("Flags", result.Source("Enum.tiny_type.g.cs"));
        Assert.Contains("internal enum tiny_signed : int", result.Source("Enum.tiny_signed.g.cs"));
        Assert.Contains("TINY_NEG = -2,", result.Source("Enum.tiny_signed.g.cs"));
    }

    [Fact]
    public void Constants_take_the_C_type_clang_gave_them()
    {
        var constants = """
            { "name": "TINY_NEG", "kind": "integer", "ctype": "int", "size": 4, "value": -1, "expression": "-1", "location": "linux/tiny.h:6" },
            { "name": "TINY_BIG", "kind": "integer", "ctype": "unsigned long long", "size": 8, "value": 18446744073709551615, "expression": "~0ULL", "location": "linux/tiny.h:7" },
            { "name": "TINY_NAME", "kind": "string", "text": "tiny\"pci", "expression": "\"tiny\\\"pci\"", "location": "linux/tiny.h:8" }
            """;
        var result = Generate(Build(constants: constants), "TINY_*");

        var source = result.Source("Constants.g.cs");
        Assert.Contains("public const int TINY_NEG = -1;", source);
        Assert.Contains("public const ulong TINY_BIG = 18446744073709551615;", source);
        Assert.Contains("public const string TINY_NAME = \"tiny\\\"pci\";", source);
    }

    [Fact]
    public void Ioctl_stubs_call_libc_and_report_errno_by_name()
    {
        var result = Generate(Build(records: SizeVersioned, ioctls: Ioctl("TINY_ALLOC", 0x3b81, "tiny_alloc")), "TINY_ALLOC", """
            public static class Probe
            {
                public static string Call()
                {
                    var alloc = Linux.Iommu.tiny_alloc.Create();
                    var tried = Linux.Iommu.Ioctls.TryTINY_ALLOC(-1, ref alloc);
                    try { Linux.Iommu.Ioctls.TINY_ALLOC(-1, ref alloc); return "no exception"; }
                    catch (Linux.Iommu.IommuException e) { return $"{tried} {e.Operation} {e.Errno} {e.Message}"; }
                }
            }
            """);

        var source = result.Source("Ioctl.TINY_ALLOC.g.cs");
        Assert.Contains("public const uint TINY_ALLOC = 15233;", source);
        Assert.Contains("public static int TINY_ALLOC(int fd, ref tiny_alloc argument)", source);
        Assert.Contains("public static int TryTINY_ALLOC(int fd, ref tiny_alloc argument)", source);
        // a real ioctl(2) on fd -1: the kernel answers EBADF
        Assert.StartsWith("-9 TINY_ALLOC 9 TINY_ALLOC failed: EBADF (9): Bad file descriptor", (string)Call(result, "Call")!);
    }

    [Fact]
    public void A_class_prefix_names_the_static_classes_so_a_second_binding_set_fits_beside_them()
    {
        var constant = """{ "name": "TINY_NEG", "kind": "integer", "ctype": "int", "size": 4, "value": -1, "expression": "-1", "location": "linux/tiny.h:6" }""";
        var result = new GeneratorHarness()
            .Model(ModelPath, Build(records: SizeVersioned, constants: constant, ioctls: Ioctl("TINY_ALLOC", 0x3b81, "tiny_alloc")))
            .List("TINY_*")
            .Property("IommuInteropClassPrefix", "Tiny")
            // another binding set's classes, with the default names, in the same namespace
            .Source("namespace Linux.Iommu { internal static class Ioctls { } internal static class Requests { } internal static class Constants { } }")
            .Source("""
                public static class Probe
                {
                    public static string Call()
                    {
                        var alloc = Linux.Iommu.tiny_alloc.Create();
                        return $"{Linux.Iommu.TinyIoctls.TryTINY_ALLOC(-1, ref alloc)} {Linux.Iommu.TinyRequests.TINY_ALLOC} {Linux.Iommu.TinyConstants.TINY_NEG}";
                    }
                }
                """)
            .Run();

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileDiagnostics);
        Assert.Contains("internal static partial class TinyConstants", result.Source("Constants.g.cs"));
        Assert.Equal("-9 15233 -1", (string)Call(result, "Call")!);
    }

    [Fact]
    public void Listing_an_ioctl_pulls_in_its_struct_and_what_the_struct_uses()
    {
        var model = Build(
            records: string.Join(",",
                Record("tiny_req", 16, 8, Field("size", 0, U32) + "," + Field("kind", 4, """{ "kind": "enum", "c": "enum tiny_kind", "size": 4, "align": 4, "signed": false, "name": "tiny_kind" }""")
                    + "," + Field("range", 8, """{ "kind": "record", "c": "struct tiny_range", "size": 8, "align": 8, "name": "tiny_range" }""")),
                Record("tiny_range", 8, 8, Field("start", 0, U64)),
                Record("tiny_unused", 4, 4, Field("x", 0, U32))),
            enums: """{ "name": "tiny_kind", "type": { "kind": "int", "c": "unsigned int", "size": 4, "align": 4, "signed": false }, "location": "linux/tiny.h:3", "constants": [{ "name": "TINY_K0", "value": 0 }] }""",
            ioctls: Ioctl("TINY_REQ", 0x3b90, "tiny_req") + "," + Ioctl("TINY_OTHER", 0x3b91, null));

        var result = Generate(model, "TINY_*\n-TINY_OTHER // excluded again\n");

        Assert.Equal(
            ["Enum.tiny_kind.g.cs", "Ioctl.TINY_REQ.g.cs", "IommuInterop.Errno.g.cs", "IommuInterop.IommuException.g.cs", "IommuInterop.KernelAvailability.g.cs",
             "IommuInterop.LibC.g.cs", "Struct.tiny_range.g.cs", "Struct.tiny_req.g.cs"],
            result.HintNames.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Namespace_and_visibility_follow_the_build_properties()
    {
        var result = new GeneratorHarness().Model(ModelPath, Build(records: SizeVersioned)).List("tiny_alloc")
            .Property("IommuInteropNamespace", "My.Vmm.Kernel").Property("IommuInteropPublic", "true").Run();

        Assert.Empty(result.CompileDiagnostics);
        Assert.Contains("namespace My.Vmm.Kernel;", result.Source("Struct.tiny_alloc.g.cs"));
        Assert.Contains("public unsafe partial struct tiny_alloc", result.Source("Struct.tiny_alloc.g.cs"));
    }
}
