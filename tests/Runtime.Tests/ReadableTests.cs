namespace Linux.Iommu.Tests;

/// <summary>The one wording of sizes and flags that the runtime, the planner, the tool and the bench report share.</summary>
public class ReadableTests
{
    [Theory]
    [InlineData(0UL, "0 B")]
    [InlineData(512UL, "512 B")]
    [InlineData(4096UL, "4 KiB")]
    [InlineData(2UL << 20, "2 MiB")]
    [InlineData(1UL << 30, "1 GiB")]
    [InlineData(0xfee00000UL, "3.98 GiB")]
    [InlineData(3UL << 29, "1.5 GiB")]
    [InlineData(1UL << 48, "256 TiB")]
    [InlineData(ulong.MaxValue, "16 EiB")]
    public void Bytes_are_exact_in_the_largest_unit_or_two_decimals(ulong bytes, string text)
    {
        Assert.Equal(text, Readable.Bytes(bytes));
    }

    [Fact]
    public void Flags_read_yes_or_no()
    {
        Assert.Equal(("yes", "no"), (Readable.YesNo(true), Readable.YesNo(false)));
    }
}
