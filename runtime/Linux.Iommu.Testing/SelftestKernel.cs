using Linux.Iommu.Testing.Native;
using static Linux.Iommu.Testing.Native.SelftestConstants;

namespace Linux.Iommu.Testing;

/// <summary>Which modelled selftest mock the running kernel has: one of <see cref="SelftestKernelAvailability.KernelSets"/>
/// (iommufd-test-6.12, iommufd-test-7.3), found by asking the kernel, not by its version string. iommufd_test.h is
/// kernel-internal: ops are appended release by release, so the kernel's mock is the newest modelled one whose newest op
/// it knows. An op the mock does not know answers EOPNOTSUPP (selftest.c, iommufd_test's default case); a known one
/// issued with id 0 and zero arguments fails before doing anything (no object 0: ENOENT; fd 0 is no dma-buf: EINVAL).
/// The bindings are generated from the newest mock; the ops and layouts the older one shares are the same bytes
/// (headers/models/diffs/iommufd-test-6.12..iommufd-test-7.3.*.md, checked by the host tests).</summary>
public static class SelftestKernel
{
    /// <summary>Each modelled mock with its newest op, newest mock first.</summary>
    public static IReadOnlyList<(string KernelSet, string Op, uint Value)> NewestOps { get; } =
    [
        ("iommufd-test-7.3", nameof(IOMMU_TEST_OP_DMABUF_REVOKE), IOMMU_TEST_OP_DMABUF_REVOKE),
        ("iommufd-test-6.12", nameof(IOMMU_TEST_OP_TRIGGER_IOPF), IOMMU_TEST_OP_TRIGGER_IOPF),
    ];

    // One kernel per process: asked once.
    private static string? s_kernelSet;

    /// <summary>The running kernel's mock: the set name (<c>iommufd-test-6.12</c>) for
    /// <see cref="SelftestKernelAvailability.IsIn(string, string)"/>.</summary>
    /// <exception cref="IommuException">ENOTTY: the kernel has no selftest mock (CONFIG_IOMMUFD_TEST off).</exception>
    /// <exception cref="NotSupportedException">The kernel's mock predates every modelled one.</exception>
    public static string KernelSet(IommuFd iommu)
    {
        ArgumentNullException.ThrowIfNull(iommu);
        return s_kernelSet ??= Probe(iommu);
    }

    private static string Probe(IommuFd iommu)
    {
        foreach (var (set, op, value) in NewestOps)
        {
            var errno = SelftestMock.TryIssue(iommu, value);
            if (errno == Errno.ENOTTY)
            {
                throw new IommuException(nameof(SelftestIoctls.IOMMU_TEST_CMD), errno, "this kernel has no selftest mock (CONFIG_IOMMUFD_TEST is off)");
            }
            if (errno != Errno.EOPNOTSUPP) return set;
        }
        throw new NotSupportedException(
            $"this kernel's selftest mock knows none of the modelled mocks' newest ops ({string.Join(", ", NewestOps.Select(m => $"{m.Op} of {m.KernelSet}"))}): it predates them all");
    }

    /// <summary>The C size of <paramref name="record"/> in the running kernel's mock: what HWPT and vIOMMU data must be sent
    /// as, since the kernel copies them whole and refuses a longer one (iommu_copy_struct_from_user: EINVAL), unlike ioctl
    /// arguments, whose zero tail it accepts.</summary>
    /// <exception cref="NotSupportedException">The running kernel's mock lacks the record.</exception>
    public static int SizeOf(IommuFd iommu, string record)
    {
        var set = KernelSet(iommu);
        return SelftestKernelAvailability.SizeIn(record, set)
               ?? throw new NotSupportedException($"{record} is not in {set}, this kernel's mock ({SelftestKernelAvailability.Evidence(record)})");
    }

    /// <summary>Why the running kernel's mock may have refused <paramref name="name"/> (an op or a flag): null when its
    /// model has it, else "IOMMU_TEST_OP_X is not in iommufd-test-6.12, this kernel's mock (absent from …, present in …)".</summary>
    internal static string? Lacks(IommuFd iommu, string name)
    {
        var set = KernelSet(iommu);
        return SelftestKernelAvailability.IsIn(name, set) ? null : $"{name} is not in {set}, this kernel's mock ({SelftestKernelAvailability.Evidence(name)})";
    }
}
