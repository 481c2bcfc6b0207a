namespace Linux.Iommu;

/// <summary>What IOMMU_HWPT_INVALIDATE invalidates: a nested <see cref="HwPagetable"/> or a <see cref="Viommu"/>. The
/// <see cref="InvalidationBatcher{T}"/> feeds either.</summary>
public interface IInvalidationTarget
{
    /// <summary>One IOMMU_HWPT_INVALIDATE of <paramref name="count"/> entries of <paramref name="entrySize"/> bytes of
    /// <paramref name="dataType"/>: true, or false with the kernel's <paramref name="errno"/>, without throwing for the
    /// kernel; <paramref name="handled"/> is how many entries took effect (on failure: those before the entry at that
    /// index, which the kernel refused).</summary>
    bool TryInvalidate(uint dataType, ReadOnlySpan<byte> entries, uint entrySize, uint count, out uint handled, out int errno);
}
