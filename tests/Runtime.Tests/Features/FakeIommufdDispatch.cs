using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Linux.Iommu.Native;

namespace Linux.Iommu.Tests.Features;

/// <summary>A MOCK of the kernel's iommufd ioctl dispatch, for the host tier (this machine has no /dev/iommu; the VM
/// tier probes real 7.3 and 6.12 kernels). It answers in the order drivers/iommu/iommufd/main.c iommufd_fops_ioctl
/// does: an unknown number ENOTTY, a size below the struct's minimum EINVAL, then the handler: an unknown flag
/// EOPNOTSUPP, id 0 ENOENT. It records every call, so a test can check that no probe reached a handler with a size
/// that would let it run.</summary>
internal sealed class FakeIommufdDispatch(IEnumerable<string> absentIoctls, IEnumerable<string> absentFlags)
{
    private readonly HashSet<uint> _absent = absentIoctls.Select(name => FeatureProbe.Ioctls.Single(i => i.Name == name).Request).ToHashSet();
    private readonly HashSet<string> _absentFlags = absentFlags.ToHashSet();

    public List<(uint Request, uint Size, byte[] Argument)> Calls { get; } = [];

    /// <summary>The linux-6.12 iommufd as the committed models differ from linux-7.3 (headers/models/diffs/linux-6.12..linux-7.3.x86_64.md).</summary>
    public static FakeIommufdDispatch Linux612() => new(
        ["IOMMU_IOAS_MAP_FILE", "IOMMU_IOAS_CHANGE_PROCESS", "IOMMU_VIOMMU_ALLOC", "IOMMU_VDEVICE_ALLOC", "IOMMU_VEVENTQ_ALLOC", "IOMMU_HW_QUEUE_ALLOC", "IOMMU_IOAS_NOIOMMU_GET_PA"],
        ["IOMMU_HW_INFO_FLAG_INPUT_TYPE"]);

    public int Issue(uint request, Span<byte> argument)
    {
        var size = BinaryPrimitives.ReadUInt32LittleEndian(argument);
        Calls.Add((request, size, argument.ToArray()));
        if (_absent.Contains(request)) return -Errno.ENOTTY;
        if (size < 8) return -Errno.EINVAL;
        if (request == Requests.IOMMU_GET_HW_INFO && MemoryMarshal.Read<iommu_hw_info>(argument).flags != 0 && _absentFlags.Contains(nameof(iommufd_hw_info_flags.IOMMU_HW_INFO_FLAG_INPUT_TYPE)))
            return -Errno.EOPNOTSUPP;
        return -Errno.ENOENT;
    }
}
