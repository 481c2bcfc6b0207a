using Linux.Iommu.Native;
using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu;

/// <summary>An open <c>/dev/iommu</c>: the context every iommufd object (IOAS, HWPT, bound device) lives in.
/// Closing it destroys them all in the kernel.</summary>
public sealed class IommuFd : IDisposable
{
    private readonly SafeFileHandle _handle;
    private KernelFeatures? _features;

    private IommuFd(SafeFileHandle handle) => _handle = handle;

    /// <summary>Opens the iommufd character device.</summary>
    /// <exception cref="IommuException">open failed: EACCES (permissions), or ENOENT — for /dev/iommu the message then says
    /// what this host lacks (<see cref="IommufdSupport.Diagnose()"/>: kernel version, options, the legacy container).</exception>
    public static IommuFd Open(string path = IommufdSupport.DevIommu)
    {
        try
        {
            return new(Descriptors.Open(path));
        }
        catch (IommuException e) when (e.Errno == Errno.ENOENT && path == IommufdSupport.DevIommu)
        {
            throw new IommuException(e.Operation, e.Errno, $"{path}: {IommufdSupport.Diagnose()}", e);
        }
    }

    /// <summary>Uses a descriptor the process was given (a VMM launched by a management stack gets its iommufd passed in).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="fd"/> is negative.</exception>
    public static IommuFd FromDescriptor(int fd, bool ownsDescriptor) =>
        new(Descriptors.Adopt(fd, ownsDescriptor, "IommuFd.FromDescriptor", "/dev/iommu"));

    /// <summary>The descriptor, for passing on or for calling generated stubs directly.</summary>
    public SafeFileHandle Handle => _handle;

    internal FdLease Lease() => new(_handle, nameof(IommuFd));

    /// <summary>What the running kernel's iommufd offers (ioctls, flags, reported bits), probed on first use through
    /// this descriptor and kept: the probe's calls create nothing (<see cref="KernelFeatures"/>).</summary>
    public KernelFeatures Features => Volatile.Read(ref _features) ?? ProbeFeatures();

    private KernelFeatures ProbeFeatures()
    {
        Interlocked.CompareExchange(ref _features, KernelFeatures.Probe(this), null);
        return _features;
    }

    /// <summary>For an exception filter after <paramref name="failure"/>: the typed error when the kernel answered
    /// "unknown" (ENOTTY for an ioctl, EOPNOTSUPP for a flag) and the probe says it lacks <paramref name="feature"/>;
    /// null otherwise (the failure stands as it is). Runs only after a failure, so the success path never probes.</summary>
    internal KernelFeatureMissingException? MissingFeature(IommuException failure, string feature)
    {
        if (failure is KernelFeatureMissingException || failure.Errno is not (Errno.ENOTTY or Errno.EOPNOTSUPP)) return null;
        var state = Features.All.FirstOrDefault(s => s.Name == feature);
        if (state is null || state.Supported) return null;
        if (failure.Errno != (state.Kind == KernelFeatureKind.Ioctl ? Errno.ENOTTY : Errno.EOPNOTSUPP)) return null;
        return new KernelFeatureMissingException(failure, state, Features.KernelRelease);
    }

    /// <summary>Allocates an I/O address space.</summary>
    public Ioas AllocIoas()
    {
        var alloc = iommu_ioas_alloc.Create();
        using (var fd = Lease()) Ioctls.IOMMU_IOAS_ALLOC(fd.Fd, ref alloc);
        return new Ioas(this, alloc.out_ioas_id);
    }

    /// <summary>IOMMU_DESTROY of any object by id: true, or false with <paramref name="errno"/> (ENOENT: no such object;
    /// EBUSY: still in use). Destroying an object an <see cref="IommuObject"/> still owns leaves that wrapper naming a
    /// free id, which the kernel gives to the next object allocated: prefer the wrapper's <see cref="IommuObject.Destroy"/>.</summary>
    public bool TryDestroy(uint id, out int errno)
    {
        var destroy = iommu_destroy.Create();
        destroy.id = id;
        using var fd = Lease();
        errno = -Ioctls.TryIOMMU_DESTROY(fd.Fd, ref destroy);
        return errno == 0;
    }

    /// <summary>IOMMU_DESTROY of any object by id (see <see cref="TryDestroy(uint, out int)"/>).</summary>
    public void Destroy(uint id)
    {
        var destroy = iommu_destroy.Create();
        destroy.id = id;
        using var fd = Lease();
        Ioctls.IOMMU_DESTROY(fd.Fd, ref destroy);
    }

    /// <summary>Throws what a failed IOMMU_DESTROY of <paramref name="id"/> throws, ending with <paramref name="detail"/>.</summary>
    internal static void ThrowDestroyFailed(uint id, int errno, string detail)
    {
        var destroy = iommu_destroy.Create();
        destroy.id = id;
        Ioctls.ThrowIOMMU_DESTROY(errno, in destroy, detail);
    }

    /// <summary>The largest IOMMU_GET_HW_INFO data struct of the bound uAPI (the generated sizes): every type the runtime
    /// decodes fits; a newer kernel's longer struct is cut to this (the kernel copies min(data_len, its length)).</summary>
    private static int HwInfoCapacity => Math.Max(Math.Max(iommu_hw_info_vtd.NativeSize, iommu_hw_info_arm_smmuv3.NativeSize),
        Math.Max(iommu_hw_info_amd.NativeSize, iommu_hw_info_tegra241_cmdqv.NativeSize));

    /// <summary>The capability bits this kernel cannot report (it predates them), from the probe: only negative bits are
    /// listed, since for a positive bit "not reported" and "no" lead to the same decision.</summary>
    private HwCapabilities UnreportedCapabilities() =>
        Features.Supports(nameof(iommufd_hw_capabilities.IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED)) ? 0 : HwCapabilities.PciAtsNotSupported;

    /// <summary>IOMMU_GET_HW_INFO for a bound device: the IOMMU behind it, decoded (VT-d, SMMUv3, AMD; raw otherwise), with
    /// the capability bits this kernel predates in <see cref="HwInfo.UnreportedCapabilities"/>.</summary>
    public unsafe HwInfo GetHwInfo(uint deviceId)
    {
        var data = stackalloc byte[HwInfoCapacity];
        new Span<byte>(data, HwInfoCapacity).Clear();
        var info = iommu_hw_info.Create();
        info.dev_id = deviceId;
        info.data_len = (uint)HwInfoCapacity;
        info.data_uptr = (ulong)data;
        try
        {
            using var fd = Lease();
            Ioctls.IOMMU_GET_HW_INFO(fd.Fd, ref info);
        }
        catch (IommuException e) when (MissingFeature(e, nameof(Requests.IOMMU_GET_HW_INFO)) is { } missing)
        {
            throw missing;
        }
        return HwInfo.Decode((HwInfoType)info.out_data_type, new ReadOnlySpan<byte>(data, (int)Math.Min(info.data_len, (uint)HwInfoCapacity)),
            info.out_capabilities, info.out_max_pasid_log2) with { UnreportedCapabilities = UnreportedCapabilities() };
    }

    /// <summary>Closes the descriptor (if owned); every kernel object of this context goes with it.</summary>
    public void Dispose() => _handle.Dispose();

    /// <summary>True once disposed.</summary>
    public bool IsClosed => _handle.IsClosed;
}
