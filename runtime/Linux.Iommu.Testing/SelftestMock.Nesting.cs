using Linux.Iommu.Testing.Native;
using Microsoft.Win32.SafeHandles;
using static Linux.Iommu.Testing.Native.SelftestConstants;

namespace Linux.Iommu.Testing;

/// <summary>The mock's ops for a nested vIOMMU's runtime: faults and vEVENTs it raises on demand, its device cache, and
/// the dma-bufs it exports (iommufd_utils.h: _test_cmd_trigger_iopf, _test_cmd_trigger_vevents, _test_cmd_get_dmabuf,
/// _test_cmd_revoke_dmabuf).</summary>
public static partial class SelftestMock
{
    /// <summary>IOMMU_TEST_OP_TRIGGER_IOPF: the mock device <paramref name="deviceId"/> (its iommufd device id) raises one
    /// I/O page fault, a group of one record flagged LAST_PAGE (and PASID_VALID when <paramref name="pasid"/> is not 0), which
    /// reaches the fault queue of the HWPT it is attached to.</summary>
    public static void TriggerIopf(IommuFd iommu, uint deviceId, uint pasid, uint groupId, uint permissions, ulong address)
    {
        var cmd = Command(IOMMU_TEST_OP_TRIGGER_IOPF, 0);
        cmd.trigger_iopf.dev_id = deviceId;
        cmd.trigger_iopf.pasid = pasid;
        cmd.trigger_iopf.grpid = groupId;
        cmd.trigger_iopf.perm = permissions;
        cmd.trigger_iopf.addr = address;
        Issue(iommu, ref cmd, nameof(IOMMU_TEST_OP_TRIGGER_IOPF), $"TRIGGER_IOPF of device {deviceId} at 0x{address:x} (pasid {pasid})");
    }

    /// <summary>IOMMU_TEST_OP_TRIGGER_VEVENT: the mock device <paramref name="deviceId"/> reports one vEVENT of
    /// IOMMU_VEVENTQ_TYPE_SELFTEST (struct iommu_viommu_event_selftest carrying its vDEVICE's virtual id). ENOENT: the device
    /// has no vDEVICE or is not attached to a nested HWPT of the vIOMMU; EOPNOTSUPP: the vIOMMU has no such vEVENTQ.
    /// A full queue is no error: the kernel records the loss in the queue.</summary>
    public static void TriggerVevent(IommuFd iommu, uint deviceId)
    {
        var cmd = Command(IOMMU_TEST_OP_TRIGGER_VEVENT, 0);
        cmd.trigger_vevent.dev_id = deviceId;
        Issue(iommu, ref cmd, nameof(IOMMU_TEST_OP_TRIGGER_VEVENT), $"TRIGGER_VEVENT of device {deviceId}");
    }

    /// <summary>IOMMU_TEST_OP_DEV_CHECK_CACHE: entry <paramref name="cacheId"/> (0..MOCK_DEV_CACHE_ID_MAX) of the cache of
    /// the mock device <paramref name="deviceId"/> (its iommufd device id), which a vIOMMU invalidation clears, holds
    /// <paramref name="expected"/> (IOMMU_TEST_DEV_CACHE_DEFAULT until invalidated, then 0).</summary>
    public static void CheckDeviceCache(IommuFd iommu, uint deviceId, uint cacheId, uint expected)
    {
        var cmd = Command(IOMMU_TEST_OP_DEV_CHECK_CACHE, deviceId);
        cmd.check_dev_cache.id = cacheId;
        cmd.check_dev_cache.cache = expected;
        Issue(iommu, ref cmd, nameof(IOMMU_TEST_OP_DEV_CHECK_CACHE), $"DEV_CHECK_CACHE: entry {cacheId} of device {deviceId} is not 0x{expected:x}");
    }

    /// <summary>IOMMU_TEST_OP_DMABUF_GET: a dma-buf of <paramref name="length"/> bytes (rounded up to pages, at most 512
    /// pages) of kernel memory the mock exports, which IOMMU_IOAS_MAP_FILE accepts; its descriptor, owned by the caller.
    /// The pinned 7.3 kernel installs the descriptor but answers 0 instead of its number (selftest.c
    /// iommufd_test_dmabuf_get: "return 0" after dma_buf_fd), so the number is found as the one dma-buf descriptor of
    /// the process that was not open before the call (/proc/self/fd); a kernel that answers the number is taken at its word.</summary>
    public static SafeFileHandle GetDmaBuf(IommuFd iommu, uint length)
    {
        var before = DmaBufDescriptors();
        var cmd = Command(IOMMU_TEST_OP_DMABUF_GET, 0);
        cmd.dmabuf_get.length = length;
        cmd.dmabuf_get.open_flags = 0x80000; // O_CLOEXEC, as the selftest asks
        var result = Issue(iommu, ref cmd, nameof(IOMMU_TEST_OP_DMABUF_GET), $"DMABUF_GET of {length} bytes");
        if (result > 0) return new SafeFileHandle(result, ownsHandle: true);
        var added = DmaBufDescriptors().Except(before).ToList();
        if (added.Count != 1)
            throw new InvalidOperationException($"DMABUF_GET answered {result} and {added.Count} new dma-buf descriptors appeared ({string.Join(", ", added)}): cannot tell which is the mock's");
        return new SafeFileHandle(added[0], ownsHandle: true);
    }

    /// <summary>The descriptors of this process open on a dma-buf (their /proc/self/fd link reads "/dmabuf:...").</summary>
    private static HashSet<int> DmaBufDescriptors() =>
        new DirectoryInfo("/proc/self/fd").EnumerateFileSystemInfos()
            .Where(link => { try { return link.LinkTarget?.StartsWith("/dmabuf:", StringComparison.Ordinal) == true; } catch (IOException) { return false; } })
            .Select(link => int.Parse(link.Name, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();

    /// <summary>IOMMU_TEST_OP_DMABUF_REVOKE: revokes (or, with false, restores) the mock's dma-buf: the exporter
    /// invalidates every importer's mapping (dma_buf_invalidate_mappings), and a revoked buffer refuses new ones (ENODEV).</summary>
    public static void RevokeDmaBuf(IommuFd iommu, SafeFileHandle dmaBuf, bool revoked)
    {
        var added = false;
        try
        {
            dmaBuf.DangerousAddRef(ref added);
            var cmd = Command(IOMMU_TEST_OP_DMABUF_REVOKE, 0);
            cmd.dmabuf_revoke.dmabuf_fd = (int)dmaBuf.DangerousGetHandle();
            cmd.dmabuf_revoke.revoked = revoked ? 1u : 0u;
            Issue(iommu, ref cmd, nameof(IOMMU_TEST_OP_DMABUF_REVOKE), $"DMABUF_REVOKE {(revoked ? "revoke" : "restore")} of dma-buf {cmd.dmabuf_revoke.dmabuf_fd}");
        }
        finally
        {
            if (added) dmaBuf.DangerousRelease();
        }
    }
}
