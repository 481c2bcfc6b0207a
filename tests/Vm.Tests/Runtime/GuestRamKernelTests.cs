using Linux.Iommu;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary>Every guest-RAM backing mapped with edu attached, into an IOAS and into a type1 container (the one backend of a
/// kernel without iommufd: every backing by address there), proved by DMA: the device writes bytes into the last page of
/// the buffer through the mapping. Each buffer is first shown to be made of the pages its backing promises
/// (/proc/self/smaps), so a guest that cannot give them fails rather than passing on base pages. The guest's huge pages
/// are reserved here (the guest is ours; 2 MiB pages only: 1 GiB pages need boot parameters and a gigabyte the tier's
/// guest does not have).</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]
public sealed class GuestRamKernelTests
{
    private const long Length = 4 << 20;
    private const ulong TargetIova = 2 << 20, SourceIova = 16 << 20; // 2 MiB aligned, below edu's 28-bit DMA mask
    private const int Transfer = QemuEduDevice.MaxTransfer;

    /// <summary>Enough 2 MiB pages free for two buffers of <see cref="Length"/>.</summary>
    private static void ReserveHugePages()
    {
        const string pool = "/sys/kernel/mm/hugepages/hugepages-2048kB/";
        long Read(string name) => long.Parse(File.ReadAllText(pool + name).Trim());
        var missing = 2 * Length / (2 << 20) - (Read("free_hugepages") - Read("resv_hugepages"));
        if (missing > 0) File.WriteAllText("/proc/sys/vm/nr_hugepages", (Read("nr_hugepages") + missing).ToString());
    }

    /// <summary>The buffer's mapping is made of its backing's pages: hugetlb mappings have 2 MiB kernel pages, the others
    /// base pages, and transparent huge pages are huge in every byte (AnonHugePages of its mapping).</summary>
    private static void AssertBackedAsPromised(DmaBuffer buffer)
    {
        var fields = SmapsOf(buffer.Address);
        var kernelPage = fields["KernelPageSize"] << 10;
        var expected = MemoryBackings.IsHugeTlb(buffer.Backing) ? MemoryBackings.PageSize(buffer.Backing) : DmaBuffer.SystemPageSize;
        Assert.True(kernelPage == expected, $"{buffer.Backing}: its mapping has {kernelPage} B kernel pages, not {expected} B");
        if (buffer.Backing == MemoryBacking.TransparentHugePages)
        {
            var huge = fields["AnonHugePages"] << 10;
            Assert.True(huge >= buffer.Length, $"{buffer.Backing}: only {huge} of its {buffer.Length} bytes are huge pages (AnonHugePages; " +
                $"enabled: {File.ReadAllText("/sys/kernel/mm/transparent_hugepage/enabled").Trim()}, defrag: {File.ReadAllText("/sys/kernel/mm/transparent_hugepage/defrag").Trim()})");
        }
    }

    /// <summary>The "Name: N kB" fields of the /proc/self/smaps entry holding <paramref name="address"/>.</summary>
    private static Dictionary<string, long> SmapsOf(nint address)
    {
        Dictionary<string, long>? fields = null;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var colon = line.IndexOf(':');
            if (colon < 0 || line.IndexOf(' ') < colon)
            {
                if (fields is not null) return fields;
                var range = line[..line.IndexOf(' ')].Split('-');
                var (start, end) = (Convert.ToUInt64(range[0], 16), Convert.ToUInt64(range[1], 16));
                if ((ulong)address >= start && (ulong)address < end) fields = [];
            }
            else if (fields is not null && line.EndsWith(" kB", StringComparison.Ordinal))
            {
                fields[line[..colon]] = long.Parse(line[(colon + 1)..^3].Trim());
            }
        }
        return fields ?? throw new InvalidOperationException($"no mapping of /proc/self/smaps holds 0x{address:x}");
    }

    /// <summary>edu reads random bytes from a source buffer and writes them into the last <see cref="Transfer"/> bytes of
    /// <paramref name="target"/>, mapped at <see cref="TargetIova"/>.</summary>
    private static void DmaInto(IDmaMapper mapper, QemuEduDevice edu, DmaBuffer target)
    {
        using var source = DmaBuffer.Allocate(Transfer);
        Random.Shared.NextBytes(source.Span[..Transfer]);
        target.Span.Fill(0xEE);
        mapper.Map(SourceIova, source, DmaAccess.Read);
        mapper.Map(TargetIova, target, DmaAccess.Write);

        edu.CopyToDevice(SourceIova, Transfer);
        edu.CopyFromDevice(TargetIova + (ulong)(Length - Transfer), Transfer);

        Assert.True(source.Span[..Transfer].SequenceEqual(target.Span[^Transfer..]),
            $"{target.Backing}: the device's bytes did not arrive: wrote {Convert.ToHexString(source.Span[..16])}, memory holds {Convert.ToHexString(target.Span[^Transfer..][..16])}");
        Assert.True(target.Span[..^Transfer].IndexOfAnyExcept((byte)0xEE) < 0, $"{target.Backing}: DMA wrote outside the bytes it was given");
        mapper.Unmap(TargetIova, target);
        mapper.Unmap(SourceIova, source);
    }

    [Theory]
    [InlineData(MemoryBacking.Anonymous, IommuBackend.Iommufd)]
    [InlineData(MemoryBacking.TransparentHugePages, IommuBackend.Iommufd)]
    [InlineData(MemoryBacking.HugeTlb2M, IommuBackend.Iommufd)]
    [InlineData(MemoryBacking.Memfd, IommuBackend.Iommufd)]
    [InlineData(MemoryBacking.MemfdHugeTlb2M, IommuBackend.Iommufd)]
    [InlineData(MemoryBacking.Anonymous, IommuBackend.Type1)]
    [InlineData(MemoryBacking.TransparentHugePages, IommuBackend.Type1)]
    [InlineData(MemoryBacking.HugeTlb2M, IommuBackend.Type1)]
    [InlineData(MemoryBacking.Memfd, IommuBackend.Type1)]
    [InlineData(MemoryBacking.MemfdHugeTlb2M, IommuBackend.Type1)]
    public void The_device_writes_into_guest_RAM_of_each_backing_mapped_into_the_sets_address_space(MemoryBacking backing, IommuBackend backend)
    {
        EduSet.Require(backend);
        // into an IOAS a memfd goes by file (IDmaMapper.Map), which 6.12 lacks; into a container by address
        if (backend == IommuBackend.Iommufd && MemoryBackings.IsMemfd(backing)) GuestKernel.Require(KernelOffer.MapFile);
        ReserveHugePages();
        using var rig = EduSet.Open(backend);
        var (edu, bar0) = rig.OpenEdu();
        using (bar0)
        using (var ram = DmaBuffer.Allocate(Length, backing, populateThreads: 2))
        {
            AssertBackedAsPromised(ram);
            DmaInto(rig.Mapper, edu, ram);
        }

        rig.AssertNothingLeft();
    }

    [Theory]
    [InlineData(MemoryBacking.MemfdHugeTlb2M, true)]
    [InlineData(MemoryBacking.HugeTlb2M, false)]
    public void A_memfd_is_mapped_into_an_IOAS_by_file_and_anything_else_by_address(MemoryBacking backing, bool byFile)
    {
        GuestKernel.Require(KernelOffer.ChangeProcess);
        if (byFile) GuestKernel.Require(KernelOffer.MapFile);
        ReserveHugePages();
        using var rig = EduIoas.Open();
        using var ram = DmaBuffer.Allocate(Length, backing);
        rig.Ioas.Map(TargetIova, ram, DmaAccess.ReadWrite);

        // IOMMU_IOAS_CHANGE_PROCESS accepts an IOAS only when every mapping in it was made from a file
        var result = ChangeProcessResult(rig.Iommu);

        Assert.Equal(byFile ? 0 : -Errno.EINVAL, result);
        rig.Ioas.Unmap(TargetIova, ram);
        rig.AssertNothingLeft();
    }

    private static int ChangeProcessResult(IommuFd iommu)
    {
        try
        {
            iommu.ChangeProcess();
            return 0;
        }
        catch (IommuException e) when (e.Operation == nameof(Ioctls.IOMMU_IOAS_CHANGE_PROCESS))
        {
            return -e.Errno;
        }
    }
}
