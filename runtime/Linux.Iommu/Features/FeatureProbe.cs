using System.Reflection;
using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>Finds out what the running kernel's iommufd offers by asking it, never by its version string. Every probe
/// is made so that the kernel answers before it would create or change anything:
/// <list type="bullet">
/// <item>an ioctl: its number with a size field of 0. iommufd_fops_ioctl looks the number up first (ENOTTY when this
/// kernel has no such ioctl) and then refuses a size below the struct's minimum (EINVAL) before running it. So EINVAL
/// means "present", and nothing ran (the same order in every kernel since iommufd arrived, 6.2).</item>
/// <item>a flag: the ioctl with the flag set and object id 0. Ids start at 1 (the object xarray is ALLOC1), and each
/// handler probed here checks its flags (EOPNOTSUPP for one it does not know) before it looks the id up (ENOENT).</item>
/// <item>a bit the kernel reports (<see cref="KernelFeatureKind.ReportedBit"/>): see <see cref="ReportsAtsNotSupported"/>.</item>
/// </list></summary>
internal static class FeatureProbe
{
    /// <summary>iommufd's command numbers start here (IOMMUFD_CMD_BASE); below are VFIO's, whose ioctl type ';' is the same.</summary>
    private const uint IommufdCommandBase = 0x80;

    private const string IommufdType = ";";

    /// <summary>Every iommufd ioctl of this library's bindings (the generated request numbers of the pinned uAPI).</summary>
    public static IReadOnlyList<(string Name, uint Request)> Ioctls { get; } = typeof(Requests)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(uint) && f.Name.StartsWith("IOMMU_", StringComparison.Ordinal))
        .Select(f => (f.Name, Request: (uint)f.GetRawConstantValue()!))
        .Where(i => (i.Request >> 8 & 0xff) == IommufdType[0] && (i.Request & 0xff) >= IommufdCommandBase)
        .OrderBy(i => i.Request)
        .ToArray();

    public static IReadOnlyList<KernelFeatureState> Run(IoctlIssuer issue)
    {
        var states = Ioctls.Select(i => ProbeIoctl(issue, i.Name, i.Request)).ToList();
        bool Has(string ioctl) => states.First(s => s.Name == ioctl).Supported;
        states.Add(ProbeFlag(issue, nameof(iommufd_hw_info_flags.IOMMU_HW_INFO_FLAG_INPUT_TYPE), nameof(Requests.IOMMU_GET_HW_INFO),
            Requests.IOMMU_GET_HW_INFO, Has, () =>
            {
                var info = iommu_hw_info.Create();
                info.flags = (uint)iommufd_hw_info_flags.IOMMU_HW_INFO_FLAG_INPUT_TYPE;
                return RawIommufdIoctl.Bytes(info); // dev_id 0
            }));
        states.Add(ProbeFlag(issue, nameof(iommufd_hwpt_get_dirty_bitmap_flags.IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR), nameof(Requests.IOMMU_HWPT_GET_DIRTY_BITMAP),
            Requests.IOMMU_HWPT_GET_DIRTY_BITMAP, Has, () =>
            {
                var get = iommu_hwpt_get_dirty_bitmap.Create();
                get.flags = (uint)iommufd_hwpt_get_dirty_bitmap_flags.IOMMU_HWPT_GET_DIRTY_BITMAP_NO_CLEAR;
                return RawIommufdIoctl.Bytes(get); // hwpt_id 0
            }));
        states.Add(ProbeFlag(issue, nameof(iommufd_hwpt_set_dirty_tracking_flags.IOMMU_HWPT_DIRTY_TRACKING_ENABLE), nameof(Requests.IOMMU_HWPT_SET_DIRTY_TRACKING),
            Requests.IOMMU_HWPT_SET_DIRTY_TRACKING, Has, () =>
            {
                var set = iommu_hwpt_set_dirty_tracking.Create();
                set.flags = (uint)iommufd_hwpt_set_dirty_tracking_flags.IOMMU_HWPT_DIRTY_TRACKING_ENABLE;
                return RawIommufdIoctl.Bytes(set); // hwpt_id 0
            }));
        states.Add(ReportsAtsNotSupported(states));
        return states;
    }

    private static KernelFeatureState ProbeIoctl(IoctlIssuer issue, string name, uint request)
    {
        Span<byte> sizeZero = stackalloc byte[8];
        sizeZero.Clear();
        var result = issue(request, sizeZero);
        return result switch
        {
            -Errno.EINVAL => new(name, KernelFeatureKind.Ioctl, true, "size 0 -> EINVAL: the kernel knows the ioctl and refused the size before running it"),
            -Errno.ENOTTY => new(name, KernelFeatureKind.Ioctl, false, "size 0 -> ENOTTY: no such iommufd ioctl in this kernel"),
            _ => new(name, KernelFeatureKind.Ioctl, true, $"size 0 -> {Answer(result)} (not ENOTTY, so the number is known; EINVAL was expected)"),
        };
    }

    private static KernelFeatureState ProbeFlag(IoctlIssuer issue, string flag, string ioctl, uint request, Func<string, bool> hasIoctl, Func<byte[]> argument)
    {
        if (!hasIoctl(ioctl)) return new(flag, KernelFeatureKind.Flag, false, $"its ioctl {ioctl} is absent");
        var result = issue(request, argument());
        return result switch
        {
            -Errno.ENOENT => new(flag, KernelFeatureKind.Flag, true, $"{ioctl} with the flag and id 0 -> ENOENT: the flag passed, the id did not"),
            -Errno.EOPNOTSUPP => new(flag, KernelFeatureKind.Flag, false, $"{ioctl} with the flag and id 0 -> EOPNOTSUPP: the kernel does not know the flag"),
            _ => new(flag, KernelFeatureKind.Flag, result != -Errno.EOPNOTSUPP, $"{ioctl} with the flag and id 0 -> {Answer(result)} (ENOENT or EOPNOTSUPP expected)"),
        };
    }

    /// <summary>IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED is a negative bit: a kernel that knows it sets it for a device without
    /// usable ATS, so there its absence means ATS may be enabled; a kernel that predates it never sets it, and there its
    /// absence means nothing. No call tells the two apart: the bit appears only in a device's result, and struct
    /// iommu_hw_info has the same 40 bytes in 6.12 and 7.3, so no size probe can either. So this decides by siblings:
    /// the bit counts as reported only when the kernel has every iommufd ioctl of the first pinned set that has the bit
    /// (<see cref="KernelAvailability"/>: linux-7.3; linux-6.12 lacks the bit and IOMMU_VIOMMU_ALLOC, IOMMU_VEVENTQ_ALLOC,
    /// IOMMU_HW_QUEUE_ALLOC, IOMMU_IOAS_NOIOMMU_GET_PA alike). A kernel lacking any of them is answered "not reported":
    /// for a negative bit the safe side, since nothing is then concluded from its absence. The limit: a kernel with all
    /// those ioctls but older than the bit would be misread; the pinned sets show none (the bit and the newest ioctls
    /// are absent from linux-6.12 and present in linux-7.3 together).</summary>
    private static KernelFeatureState ReportsAtsNotSupported(List<KernelFeatureState> states)
    {
        const string Bit = nameof(iommufd_hw_capabilities.IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED);
        var first = KernelAvailability.KernelSets.First(set => KernelAvailability.IsIn(Bit, set));
        var missing = states.Where(s => s.Kind == KernelFeatureKind.Ioctl && !s.Supported && KernelAvailability.IsIn(s.Name, first)).Select(s => s.Name).ToList();
        return new(Bit, KernelFeatureKind.ReportedBit, missing.Count == 0,
            missing.Count == 0
                ? $"inferred: the kernel has every iommufd ioctl of {first}, the first pinned uAPI with the bit"
                : $"inferred: the kernel lacks {string.Join(", ", missing)} of {first}, the first pinned uAPI with the bit, so it may predate the bit");
    }

    private static string Answer(int result) => result < 0 ? Errno.Name(-result) : $"success ({result})";
}
