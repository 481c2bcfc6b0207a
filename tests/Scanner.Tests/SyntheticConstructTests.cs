using Iommu.Scanner.Probe;
using Iommu.Scanner.Scan;
using Iommu.Scanner.Tests.Support;

namespace Iommu.Scanner.Tests;

/// <summary>C constructs the kernel headers use rarely or not yet (bitfields, packed structs, nested
/// anonymous members, named fields of unnamed types, negative and wide constants), scanned and then
/// checked against gcc exactly like the real headers.</summary>
public class SyntheticConstructTests
{
    private const string Source = """
        #ifndef _IOMMU_SCAN_TEST_H
        #define _IOMMU_SCAN_TEST_H
        #include <linux/types.h>
        #include <linux/ioctl.h>

        /**
         * struct scan_bits - ioctl(SCAN_TEST_BITS)
         * @size: sizeof(struct scan_bits)
         * @low: three low bits
         * @mid: a signed middle
         * @high: one bit
         */
        struct scan_bits {
        	__u32 size;
        	__u32 low : 3;
        	__s32 mid : 7;
        	__u32 high : 1;
        	__u8 tail;
        };

        struct scan_packed {
        	__u8 tag;
        	__u64 value;
        	__u16 more;
        } __attribute__((packed));

        struct scan_nested {
        	__u32 argsz;
        	union {
        		__u32 a;
        		struct {
        			__u16 b;
        			__u16 c;
        		};
        	};
        	struct {
        		__u8 x;
        		__u32 y;
        	} named;
        	__aligned_u64 wide;
        	__u32 flex[];
        };

        enum scan_signed { SCAN_NEG = -2, SCAN_POS = 5 };
        enum scan_wide { SCAN_BIG = 0x100000000ULL };

        #define SCAN_NEGATIVE (-1)
        #define SCAN_SHIFTED (1UL << 40)
        #define SCAN_MAX_U64 (~0ULL)
        #define SCAN_STRING "scan"
        /* iommufd_test.h repeats IOMMU_TEST_INVALIDATE_FLAG_ALL this way: identical, spaced differently */
        #define SCAN_REPEATED (1 << 0)
        #define SCAN_REPEATED	(1 << 0)
        #define SCAN_TEST_BITS _IO(';', 0x99)
        #define SCAN_TEST_PACKED _IOWR('x', 3, struct scan_packed)
        #endif
        """;

    private static AbiModel Scan(SyntheticHeaders headers, string arch) =>
        HeaderSetScanner.Scan(new ScanRequest(headers.Root, [SyntheticHeaders.Header], arch, new HeaderSet("synthetic", "none", "0")));

    [Theory]
    [InlineData("x86_64")]
    [InlineData("aarch64")]
    public void Synthetic_constructs_agree_with_gcc(string arch)
    {
        using var headers = new SyntheticHeaders(Source);
        var model = Scan(headers, arch);

        var outcome = Gcc.Check(CProbeWriter.Write(model), headers.Root, arch);

        Assert.True(outcome.Compiled, outcome.Log);
        Assert.Empty(outcome.FailedChecks);
    }

    [Fact]
    public void Bitfields_have_bit_offsets_and_widths()
    {
        using var headers = new SyntheticHeaders(Source);
        var bits = Scan(headers, "x86_64").Records.Single(r => r.Name == "scan_bits");

        Assert.Equal([(32L, 3), (35L, 7), (42L, 1)], bits.Fields.Where(f => f.BitWidth is not null).Select(f => (f.BitOffset!.Value, f.BitWidth!.Value)));
        Assert.True(bits.Fields.Single(f => f.Name == "mid").Type.Signed);
        Assert.Equal("three low bits", bits.Fields.Single(f => f.Name == "low").Doc);
    }

    [Fact]
    public void A_wrong_bitfield_offset_is_caught_by_running_the_probe()
    {
        using var headers = new SyntheticHeaders(Source);
        var model = Scan(headers, "x86_64");
        var bits = model.Records.Single(r => r.Name == "scan_bits");
        var wrong = model with
        {
            Records = model.Records.Select(r => r != bits ? r : r with
            {
                Fields = r.Fields.Select(f => f.Name == "mid" ? f with { BitOffset = 36 } : f).ToList(),
            }).ToList(),
        };

        var outcome = Gcc.Check(CProbeWriter.Write(wrong), headers.Root, "x86_64");

        Assert.Equal(["scan_bits.mid bitfield at bit 35 width 7 (model: 36 width 7)"], outcome.FailedChecks);
    }

    [Fact]
    public void Packed_struct_is_marked_and_has_no_padding()
    {
        using var headers = new SyntheticHeaders(Source);
        var packed = Scan(headers, "x86_64").Records.Single(r => r.Name == "scan_packed");

        Assert.True(packed.Packed);
        Assert.Equal(11, packed.Size);
        Assert.Equal([0L, 1L, 9L], packed.Fields.Select(f => f.Offset));
    }

    [Fact]
    public void Anonymous_members_nest_and_flatten_the_way_C_names_them()
    {
        using var headers = new SyntheticHeaders(Source);
        var model = Scan(headers, "x86_64");
        var records = model.Records.ToDictionary(r => r.Name);
        var nested = records["scan_nested"];

        Assert.Equal(
            [("argsz", 0L), ("a", 4L), ("b", 4L), ("c", 6L), ("named", 8L), ("wide", 16L), ("flex", 24L)],
            nested.Flatten(records).Select(f => (f.Path, f.Offset)));
        Assert.Equal(RecordKind.Union, records["scan_nested.__anon0"].Kind);
        Assert.Equal("scan_nested.__anon0", records["scan_nested.__anon0.__anon0"].Parent);
        Assert.Equal("scan_nested.__anon1", nested.Fields.Single(f => f.Name == "named").Type.Name);
        Assert.Equal("__aligned_u64", nested.Fields.Single(f => f.Name == "wide").Type.C);
        var flex = nested.Fields.Single(f => f.Name == "flex").Type;
        Assert.Equal((TypeKind.FlexibleArray, 0L, 4L), (flex.Kind, flex.Size, flex.Element!.Size));
        Assert.Equal(24, nested.Size);
        Assert.Equal("argsz", nested.SizeField()?.Name);
    }

    [Fact]
    public void An_unnamed_type_is_spelled_with_its_header_relative_path_not_this_machines()
    {
        using var headers = new SyntheticHeaders(Source);
        var nested = Scan(headers, "x86_64").Records.Single(r => r.Name == "scan_nested");

        // the struct of `named` (iommufd_test.h's iommu_test_cmd has 23 such members); clang's spelling names its file
        Assert.StartsWith($"struct (unnamed struct at {SyntheticHeaders.Header}:", nested.Fields.Single(f => f.Name == "named").Type.C);
        Assert.DoesNotContain(nested.Fields, f => f.Type.C.Contains(headers.Root, StringComparison.Ordinal));
    }

    [Fact]
    public void Constants_keep_their_C_type_sign_and_width()
    {
        using var headers = new SyntheticHeaders(Source);
        var model = Scan(headers, "x86_64");
        var constants = model.Constants.ToDictionary(c => c.Name);

        Assert.Equal(("int", (Int128)(-1)), (constants["SCAN_NEGATIVE"].CType, constants["SCAN_NEGATIVE"].Value));
        Assert.Equal(("unsigned long", (Int128)1 << 40), (constants["SCAN_SHIFTED"].CType, constants["SCAN_SHIFTED"].Value));
        Assert.Equal((Int128)ulong.MaxValue, constants["SCAN_MAX_U64"].Value);
        Assert.Equal("scan", constants["SCAN_STRING"].Text);
        var signedEnum = model.Enums.Single(e => e.Name == "scan_signed");
        Assert.True(signedEnum.IntegerType.Signed);
        Assert.Equal((Int128)(-2), signedEnum.Constants[0].Value);
        Assert.Equal(8, model.Enums.Single(e => e.Name == "scan_wide").IntegerType.Size);
    }

    [Fact]
    public void Ioctls_are_decoded_and_find_their_argument()
    {
        using var headers = new SyntheticHeaders(Source);
        var ioctls = Scan(headers, "x86_64").Ioctls.ToDictionary(i => i.Name);

        var bits = ioctls["SCAN_TEST_BITS"];
        Assert.Equal((0x3b99UL, IoctlDirection.None, 0x3bu, 0x99u, 0u), (bits.Request, bits.Direction, bits.Type, bits.Number, bits.Size));
        Assert.Equal(new IoctlArgument("scan_bits", null, "kernel-doc"), bits.Argument);
        var packed = ioctls["SCAN_TEST_PACKED"];
        Assert.Equal((IoctlDirection.ReadWrite, 11u, (uint)'x', 3u), (packed.Direction, packed.Size, packed.Type, packed.Number));
        Assert.Equal(new IoctlArgument("scan_packed", null, "macro"), packed.Argument);
    }

    [Fact]
    public void An_identical_redefinition_is_one_constant_at_its_first_line()
    {
        using var headers = new SyntheticHeaders(Source);
        var repeated = Scan(headers, "x86_64").Constants.Where(c => c.Name == "SCAN_REPEATED").ToList();

        var only = Assert.Single(repeated);
        Assert.Equal((Int128)1, only.Value);
        Assert.Equal(Source.Split('\n').ToList().FindIndex(l => l.StartsWith("#define SCAN_REPEATED", StringComparison.Ordinal)) + 1, only.Location.Line);
    }
}
