using Linux.Iommu.Testing.Native;
using static Linux.Iommu.Testing.Native.SelftestConstants;

namespace Linux.Iommu.Testing;

/// <summary>The kernel selftest's mock IOMMU driver (CONFIG_IOMMUFD_TEST), one method per IOMMU_TEST_CMD op the
/// tests use, each as tools/testing/selftests/iommu/iommufd_utils.h issues it. Every number (the ioctl, the ops,
/// the layout of struct iommu_test_cmd) comes from the generated bindings of iommufd_test.h.</summary>
public static partial class SelftestMock
{
    /// <summary>IOMMU_TEST_OP_MOCK_DOMAIN: a new mock device attached to <paramref name="ioas"/> through a mock paging
    /// domain the kernel allocates (its aperture is [MOCK_APERTURE_START, MOCK_APERTURE_LAST]).</summary>
    public static MockDevice MockDomain(IommuFd iommu, Ioas ioas) => MockDomain(iommu, ioas.Id);

    /// <summary>IOMMU_TEST_OP_MOCK_DOMAIN on any page table id: an IOAS, or an HWPT (a dirty-tracking or nest-parent
    /// one, as iommufd.c's iommufd_dirty_tracking and nesting cases attach a second mock device to it).</summary>
    public static MockDevice MockDomain(IommuFd iommu, uint ptId)
    {
        var cmd = Command(IOMMU_TEST_OP_MOCK_DOMAIN, ptId);
        Issue(iommu, ref cmd, nameof(IOMMU_TEST_OP_MOCK_DOMAIN), $"MOCK_DOMAIN on object {ptId}");
        return new MockDevice(iommu, cmd.mock_domain.out_stdev_id, cmd.mock_domain.out_hwpt_id, cmd.mock_domain.out_idev_id);
    }

    /// <summary>IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS: as <see cref="MockDomain(IommuFd, uint)"/> with MOCK_FLAGS_DEVICE_*
    /// (NO_DIRTY: a device whose IOMMU cannot track dirty pages; PASID: one that supports PASIDs).</summary>
    public static MockDevice MockDomain(IommuFd iommu, uint ptId, uint deviceFlags)
    {
        var cmd = Command(IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS, ptId);
        cmd.mock_domain_flags.dev_flags = deviceFlags;
        Issue(iommu, ref cmd, nameof(IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS), $"MOCK_DOMAIN_FLAGS 0x{deviceFlags:x} on object {ptId}", FlagNames(deviceFlags));
        return new MockDevice(iommu, cmd.mock_domain_flags.out_stdev_id, cmd.mock_domain_flags.out_hwpt_id, cmd.mock_domain_flags.out_idev_id);
    }

    /// <summary>IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE: attaches the device to <paramref name="ptId"/> (an IOAS or an HWPT,
    /// nested ones included) in place of what it is attached to; returns the HWPT it is attached to now.</summary>
    public static uint MockDomainReplace(IommuFd iommu, MockDevice device, uint ptId)
    {
        var cmd = Command(IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE, device.StdevId);
        cmd.mock_domain_replace.pt_id = ptId;
        Issue(iommu, ref cmd, nameof(IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE), $"MOCK_DOMAIN_REPLACE of {device} to object {ptId}");
        return cmd.mock_domain_replace.pt_id;
    }

    /// <summary>IOMMU_TEST_OP_MD_CHECK_REFS: every page of [<paramref name="userAddress"/>, + <paramref name="length"/>)
    /// is pinned exactly <paramref name="refs"/> times (the kernel counts pins as page_ref / GUP_PIN_COUNTING_BIAS and
    /// skips compound pages, so give it small pages). Page-aligned address and length.</summary>
    /// <exception cref="IommuException">EIO: some page has another pin count; EINVAL: not page-aligned.</exception>
    public static void CheckRefs(IommuFd iommu, nint userAddress, ulong length, uint refs)
    {
        var cmd = Command(IOMMU_TEST_OP_MD_CHECK_REFS, 0);
        cmd.check_refs.uptr = (ulong)userAddress;
        cmd.check_refs.length = length;
        cmd.check_refs.refs = refs;
        Issue(iommu, ref cmd, nameof(IOMMU_TEST_OP_MD_CHECK_REFS), $"MD_CHECK_REFS: not every page of [0x{userAddress:x}, +0x{length:x}) is pinned exactly {refs} time(s)");
    }

    /// <summary>IOMMU_TEST_OP_MD_CHECK_MAP: the mock paging HWPT <paramref name="hwptId"/> translates
    /// [<paramref name="iova"/>, + <paramref name="length"/>) to the physical pages behind <paramref name="userAddress"/>.</summary>
    /// <exception cref="IommuException">EINVAL: a page is not mapped there (or the range is not MOCK_PAGE_SIZE aligned).</exception>
    public static void CheckMap(IommuFd iommu, uint hwptId, ulong iova, ulong length, nint userAddress)
    {
        var cmd = Command(IOMMU_TEST_OP_MD_CHECK_MAP, hwptId);
        cmd.check_map.iova = iova;
        cmd.check_map.length = length;
        cmd.check_map.uptr = (ulong)userAddress;
        Issue(iommu, ref cmd, nameof(IOMMU_TEST_OP_MD_CHECK_MAP), $"MD_CHECK_MAP: HWPT {hwptId} does not map [0x{iova:x}, +0x{length:x}) to user 0x{userAddress:x}");
    }

    /// <summary>IOMMU_TEST_OP_DIRTY: marks dirty, in the mock domain of the dirty-tracking HWPT <paramref name="hwptId"/>,
    /// the <paramref name="pageSize"/> pages of [<paramref name="iova"/>, + <paramref name="length"/>) whose bit is set in
    /// <paramref name="bitmap"/> (as a device would by writing); returns how many it marked (out_nr_dirty).</summary>
    public static unsafe ulong MarkDirty(IommuFd iommu, uint hwptId, ulong iova, ulong length, ulong pageSize, ReadOnlySpan<ulong> bitmap)
    {
        if ((ulong)bitmap.Length * 64 < length / pageSize) throw new ArgumentException($"{length / pageSize} pages need {(length / pageSize + 63) / 64} ulongs of bitmap, got {bitmap.Length}", nameof(bitmap));
        var cmd = Command(IOMMU_TEST_OP_DIRTY, hwptId);
        cmd.dirty.iova = iova;
        cmd.dirty.length = length;
        cmd.dirty.page_size = pageSize;
        fixed (ulong* bits = bitmap)
        {
            cmd.dirty.uptr = (ulong)bits;
            Issue(iommu, ref cmd, nameof(IOMMU_TEST_OP_DIRTY), $"DIRTY of HWPT {hwptId} [0x{iova:x}, +0x{length:x}) (dirty tracking must be enabled)");
        }
        return cmd.dirty.out_nr_dirty;
    }

    /// <summary>IOMMU_TEST_OP_MD_CHECK_IOTLB: entry <paramref name="iotlbId"/> (0..MOCK_NESTED_DOMAIN_IOTLB_ID_MAX) of the
    /// nested mock HWPT holds <paramref name="expected"/> (IOMMU_TEST_IOTLB_DEFAULT until invalidated, then 0).</summary>
    public static void CheckIotlb(IommuFd iommu, uint nestedHwptId, uint iotlbId, uint expected)
    {
        var cmd = Command(IOMMU_TEST_OP_MD_CHECK_IOTLB, nestedHwptId);
        cmd.check_iotlb.id = iotlbId;
        cmd.check_iotlb.iotlb = expected;
        Issue(iommu, ref cmd, nameof(IOMMU_TEST_OP_MD_CHECK_IOTLB), $"MD_CHECK_IOTLB: entry {iotlbId} of nested HWPT {nestedHwptId} is not 0x{expected:x}");
    }

    private static iommu_test_cmd Command(uint op, uint id)
    {
        var cmd = iommu_test_cmd.Create();
        cmd.op = op;
        cmd.id = id;
        return cmd;
    }

    /// <summary>The MOCK_FLAGS_DEVICE_* names of the bits set in <paramref name="deviceFlags"/> (the ones the bindings know).</summary>
    private static string[] FlagNames(uint deviceFlags) =>
        new[] { (MOCK_FLAGS_DEVICE_NO_DIRTY, nameof(MOCK_FLAGS_DEVICE_NO_DIRTY)), (MOCK_FLAGS_DEVICE_PASID, nameof(MOCK_FLAGS_DEVICE_PASID)) }
            .Where(flag => (deviceFlags & flag.Item1) != 0).Select(flag => flag.Item2).ToArray();

    /// <summary>Issues <paramref name="cmd"/>; a failure names what was asked and, where the running kernel's mock
    /// (<see cref="SelftestKernel"/>) lacks the op or a flag, says so with the models' evidence.</summary>
    /// <returns>The kernel's non-negative result (a descriptor, for DMABUF_GET).</returns>
    private static int Issue(IommuFd iommu, ref iommu_test_cmd cmd, string op, string what, params string[] flags)
    {
        var result = Issue(iommu, ref cmd);
        if (result >= 0) return result;
        var lacking = new[] { op }.Concat(flags).Select(name => SelftestKernel.Lacks(iommu, name)).Where(reason => reason is not null);
        var hint = -result == Errno.EINVAL && op is nameof(IOMMU_TEST_OP_MOCK_DOMAIN) or nameof(IOMMU_TEST_OP_MOCK_DOMAIN_FLAGS) &&
                   SelftestKernel.KernelSet(iommu) == "iommufd-test-6.12"
            ? [Iommufd612Hint]
            : Array.Empty<string>();
        SelftestIoctls.ThrowIOMMU_TEST_CMD(-result, in cmd, string.Join("; ", new[] { what }.Concat(lacking).Concat(hint)));
        return result;
    }

    // 6.12 probes a device without a firmware node with the first IOMMU registered without one: with VT-d on, the mock
    // device goes to intel-iommu, which refuses it, and binding it fails (7.x gives the mock its own software node).
    private const string Iommufd612Hint =
        "a 6.12 kernel's mock device gets no IOMMU while another IOMMU driver is active (VT-d: boot with intel_iommu=off)";

    /// <summary>IOMMU_TEST_CMD <paramref name="op"/> on id 0 with zero arguments: 0, or the errno (for <see cref="SelftestKernel"/>).</summary>
    internal static int TryIssue(IommuFd iommu, uint op)
    {
        var cmd = Command(op, 0);
        var result = Issue(iommu, ref cmd);
        return result < 0 ? -result : 0;
    }

    private static int Issue(IommuFd iommu, ref iommu_test_cmd cmd)
    {
        var handle = iommu.Handle;
        var added = false;
        try
        {
            handle.DangerousAddRef(ref added); // a concurrent Dispose must not close the number mid-ioctl
            return SelftestIoctls.TryIOMMU_TEST_CMD((int)handle.DangerousGetHandle(), ref cmd);
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
    }
}
