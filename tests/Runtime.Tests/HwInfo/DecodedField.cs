namespace Linux.Iommu.Tests;

/// <summary>One decoded register field, read by property name, so a register set's decoding is a table of rows
/// (field, expected value, the bits it comes from) and each row is its own test case.</summary>
internal static class DecodedField
{
    public static void AssertEqual(object decoded, string field, object? expected, string bits)
    {
        var property = decoded.GetType().GetProperty(field) ?? throw new ArgumentException($"{decoded.GetType().Name} has no property {field}", nameof(field));
        var actual = property.GetValue(decoded);
        Assert.True(Equals(expected, actual), $"{field}: expected {expected ?? "null"} ({bits}), decoded {actual ?? "null"}");
    }
}
