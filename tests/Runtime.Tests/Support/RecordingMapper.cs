using Linux.Iommu.Native;

namespace Linux.Iommu.Tests;

/// <summary>A stand-in for an IOAS, named as such (the host has no /dev/iommu): records the map/unmap calls and keeps the
/// resulting areas as the kernel would (an overlapping map is EEXIST, unmap removes only whole areas inside the range).
/// <see cref="FailMap"/> makes chosen maps fail with an errno, as a kernel refusal would.</summary>
internal sealed class RecordingMapper : IDmaMapper
{
    public readonly List<string> Calls = [];
    public readonly SortedDictionary<ulong, (nint Host, ulong Length, DmaAccess Access)> Areas = new();

    /// <summary>The errno for a map that should fail (by iova and length), or 0 to let it through.</summary>
    public Func<ulong, ulong, int> FailMap { get; set; } = (_, _) => 0;

    public bool TryMap(ulong iova, nint userAddress, ulong length, DmaAccess access, out int errno)
    {
        Calls.Add($"map 0x{iova:x}+0x{length:x} {access}");
        errno = FailMap(iova, length);
        if (errno == 0 && Areas.Any(a => a.Key < iova + length && iova < a.Key + a.Value.Length)) errno = Errno.EEXIST;
        if (errno != 0) return false;
        Areas[iova] = (userAddress, length, access);
        return true;
    }

    public bool TryUnmap(ulong iova, ulong length, out ulong unmapped, out int errno)
    {
        Calls.Add($"unmap 0x{iova:x}+0x{length:x}");
        var inside = Areas.Where(a => a.Key >= iova && a.Key + a.Value.Length <= iova + length).ToList();
        unmapped = (ulong)inside.Sum(a => (long)a.Value.Length);
        foreach (var a in inside) Areas.Remove(a.Key);
        errno = inside.Count == 0 ? Errno.ENOENT : 0;
        return errno == 0;
    }

    public void Map(ulong iova, nint userAddress, ulong length, DmaAccess access)
    {
        if (!TryMap(iova, userAddress, length, access, out var errno)) ThrowMapFailure(errno, iova, userAddress, length, access);
    }

    public ulong Unmap(ulong iova, ulong length)
    {
        if (!TryUnmap(iova, length, out var unmapped, out var errno)) ThrowUnmapFailure(errno, iova, length);
        return unmapped;
    }

    /// <summary>As a backend's builder: the call's arguments, then the caller's detail.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void ThrowMapFailure(int errno, ulong iova, nint userAddress, ulong length, DmaAccess access, string? detail = null) =>
        IommuException.Throw("map", errno, $"iova 0x{iova:x}, user_va 0x{userAddress:x}, length 0x{length:x}, {access}{(detail is null ? "" : "; " + detail)}");

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void ThrowUnmapFailure(int errno, ulong iova, ulong length, string? detail = null) =>
        IommuException.Throw("unmap", errno, $"iova 0x{iova:x}, length 0x{length:x}{(detail is null ? "" : "; " + detail)}");
}
