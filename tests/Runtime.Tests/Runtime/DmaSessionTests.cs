using Linux.Iommu.Native;
using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu.Tests.Runtime;

/// <summary>What a <see cref="DmaSession"/> holds and forwards. The runtime's own mappers (Ioas, VfioContainer) need
/// /dev/iommu or /dev/vfio, which the host lacks: here a stand-in mapper, named as such, leases a descriptor of
/// /dev/null the same way; the real IOAS runs sessions in the VM tier (DmaSessionKernelTests).</summary>
public sealed class DmaSessionTests
{
    /// <summary>A stand-in for a runtime mapper: counts leases and records the descriptor each call was given.</summary>
    private sealed class LeasingMapper(SafeFileHandle handle) : IDmaMapper, ILeasedDmaMapper
    {
        public int Leases;
        public readonly List<int> CallFds = [];

        public FdLease Lease()
        {
            Leases++;
            return new FdLease(handle, nameof(LeasingMapper));
        }

        public bool TryMap(in FdLease fd, ulong iova, nint userAddress, ulong length, DmaAccess access, out int errno)
        {
            CallFds.Add(fd.Fd);
            errno = 0;
            return true;
        }

        public bool TryUnmap(in FdLease fd, ulong iova, ulong length, out ulong unmapped, out int errno)
        {
            CallFds.Add(fd.Fd);
            unmapped = length;
            errno = 0;
            return true;
        }

        public bool TryMap(ulong iova, nint userAddress, ulong length, DmaAccess access, out int errno)
        {
            using var fd = Lease();
            return TryMap(in fd, iova, userAddress, length, access, out errno);
        }

        public bool TryUnmap(ulong iova, ulong length, out ulong unmapped, out int errno)
        {
            using var fd = Lease();
            return TryUnmap(in fd, iova, length, out unmapped, out errno);
        }

        public void Map(ulong iova, nint userAddress, ulong length, DmaAccess access) => TryMap(iova, userAddress, length, access, out _);

        public ulong Unmap(ulong iova, ulong length) => TryUnmap(iova, length, out var unmapped, out _) ? unmapped : 0;

        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        public void ThrowMapFailure(int errno, ulong iova, nint userAddress, ulong length, DmaAccess access, string? detail = null) => IommuException.Throw("map", errno);

        [System.Diagnostics.CodeAnalysis.DoesNotReturn]
        public void ThrowUnmapFailure(int errno, ulong iova, ulong length, string? detail = null) => IommuException.Throw("unmap", errno);
    }

    private static SafeFileHandle OpenDevNull() => File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);

    [Fact]
    public void A_session_leases_the_descriptor_once_for_all_its_calls()
    {
        using var handle = OpenDevNull();
        var mapper = new LeasingMapper(handle);

        using (var session = mapper.OpenSession())
        {
            for (ulong i = 0; i < 8; i++)
            {
                Assert.True(session.TryMap(i << 12, 0x1000_0000, 0x1000, DmaAccess.ReadWrite, out _));
                Assert.True(session.TryUnmap(i << 12, 0x1000, out _, out _));
            }
        }

        Assert.Equal(1, mapper.Leases);
        Assert.Equal(16, mapper.CallFds.Count);
        Assert.All(mapper.CallFds, fd => Assert.Equal((int)handle.DangerousGetHandle(), fd));
    }

    [Fact]
    public void Disposing_the_descriptor_during_a_session_closes_it_only_when_the_session_ends()
    {
        var handle = OpenDevNull();
        var fd = (int)handle.DangerousGetHandle();
        var mapper = new LeasingMapper(handle);

        var session = mapper.OpenSession();
        handle.Dispose();
        Assert.True(File.Exists($"/proc/self/fd/{fd}"));
        Assert.True(session.TryMap(0, 0x1000_0000, 0x1000, DmaAccess.Read, out _));
        session.Dispose();

        Assert.False(File.Exists($"/proc/self/fd/{fd}"));
    }

    [Fact]
    public void A_session_on_a_closed_descriptor_is_refused_naming_its_owner()
    {
        var handle = OpenDevNull();
        handle.Dispose();

        var e = Assert.Throws<ObjectDisposedException>(() => new LeasingMapper(handle).OpenSession());

        Assert.Contains(nameof(LeasingMapper), e.Message);
    }

    [Fact]
    public void A_call_after_the_session_ended_is_refused()
    {
        using var handle = OpenDevNull();
        var session = new LeasingMapper(handle).OpenSession();
        session.Dispose();

        try
        {
            session.TryMap(0, 0x1000_0000, 0x1000, DmaAccess.Read, out _);
            Assert.Fail("a call after the session ended was let through");
        }
        catch (ObjectDisposedException e)
        {
            Assert.Contains(nameof(DmaSession), e.Message);
        }
    }

    [Fact]
    public void A_session_on_a_mapper_that_is_not_the_runtimes_forwards_to_its_calls()
    {
        var mapper = new RecordingMapper();

        using (var session = mapper.OpenSession())
        {
            Assert.True(session.TryMap(0x100000, 0x1000_0000, 0x2000, DmaAccess.Read, out _));
            Assert.True(session.TryUnmap(0x100000, 0x2000, out var unmapped, out _));
            Assert.Equal(0x2000UL, unmapped);
        }

        Assert.Equal(["map 0x100000+0x2000 Read", "unmap 0x100000+0x2000"], mapper.Calls);
    }

    [Fact]
    public void A_batch_commit_leases_the_descriptor_once_for_all_its_runs()
    {
        using var handle = OpenDevNull();
        var mapper = new LeasingMapper(handle);
        var batch = new BatchMapper(mapper);
        for (var run = 0; run < 3; run++) batch.Add(0x100000 + (ulong)run * 0x10000, 0x1000_0000 + run * 0x10000, 0x1000, DmaAccess.ReadWrite);

        Assert.Equal(3, batch.Commit());

        Assert.Equal(1, mapper.Leases);
        Assert.Equal(3, mapper.CallFds.Count);
    }
}
