using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>IOMMU_HWPT_INVALIDATE, shared by its two targets: a nested HWPT (the stage-1 caches of its format) and a vIOMMU
/// (the caches it owns, e.g. SMMUv3 CD/ATC or the selftest's device cache). One ioctl carries an array of entries; the
/// kernel handles them in order and reports in entry_num how many it handled before the one it refused.</summary>
internal static class CacheInvalidation
{
    /// <summary>One IOMMU_HWPT_INVALIDATE: true, or false with the kernel's <paramref name="errno"/>; <paramref name="handled"/>
    /// either way.</summary>
    public static unsafe bool TryIssue(IommuFd iommu, uint id, uint dataType, ReadOnlySpan<byte> entries, uint entrySize, uint count, out uint handled, out int errno)
    {
        if ((ulong)entries.Length < (ulong)entrySize * count)
            throw new ArgumentException($"{count} entries of {entrySize} bytes need {(ulong)entrySize * count} bytes, got {entries.Length}", nameof(entries));
        var invalidate = Argument(id, dataType, entrySize, count);
        fixed (byte* payload = entries)
        {
            invalidate.data_uptr = (ulong)payload;
            using var fd = iommu.Lease();
            errno = -Ioctls.TryIOMMU_HWPT_INVALIDATE(fd.Fd, ref invalidate);
        }
        // A failure before the kernel looked at the entries (e.g. ENOMEM copying the command in) leaves entry_num as sent:
        // none was handled then. (All handled and still failing would take a failed copy back out: resubmitting an
        // invalidation is harmless.)
        handled = errno != 0 && count > 0 && invalidate.entry_num >= count ? 0 : invalidate.entry_num;
        return errno == 0;
    }

    public static bool TryIssue<T>(IommuFd iommu, uint id, uint dataType, ReadOnlySpan<T> entries, out uint handled, out int errno) where T : unmanaged =>
        TryIssue(iommu, id, dataType, MemoryMarshal.AsBytes(entries), (uint)Unsafe.SizeOf<T>(), (uint)entries.Length, out handled, out errno);

    /// <summary>The throwing form: the entries handled, or an <see cref="IommuException"/> whose message names the entry the
    /// kernel refused (the index is entry_num: those before it took effect, a caller resubmits from the one after).</summary>
    public static uint Invoke(IommuFd iommu, uint id, uint dataType, ReadOnlySpan<byte> entries, uint entrySize, uint count)
    {
        if (!TryIssue(iommu, id, dataType, entries, entrySize, count, out var handled, out var errno)) ThrowFailed(id, dataType, entrySize, count, handled, errno);
        return handled;
    }

    public static uint Invoke<T>(IommuFd iommu, uint id, uint dataType, ReadOnlySpan<T> entries) where T : unmanaged =>
        Invoke(iommu, id, dataType, MemoryMarshal.AsBytes(entries), (uint)Unsafe.SizeOf<T>(), (uint)entries.Length);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowFailed(uint id, uint dataType, uint entrySize, uint count, uint handled, int errno)
    {
        var invalidate = Argument(id, dataType, entrySize, count);
        var at = handled < count ? $"entry {handled} was refused" : "refused after the last entry";
        Ioctls.ThrowIOMMU_HWPT_INVALIDATE(errno, in invalidate, $"{handled} of {count} entries were handled, {at}");
    }

    private static iommu_hwpt_invalidate Argument(uint id, uint dataType, uint entrySize, uint count)
    {
        var invalidate = iommu_hwpt_invalidate.Create();
        invalidate.hwpt_id = id;
        invalidate.data_type = dataType;
        invalidate.entry_len = entrySize;
        invalidate.entry_num = count;
        return invalidate;
    }
}
