using BenchmarkDotNet.Attributes;
using Linux.Iommu.Bench.Harness;
using Linux.Iommu.Native;
using Microsoft.Win32.SafeHandles;

namespace Linux.Iommu.Bench.Suites;

/// <summary>Generated ioctl stub overhead on the host (bench/c/stub.c is the C side): IOMMU_DESTROY on /dev/null.
/// The host has no /dev/iommu; /dev/null has no ioctl handler, so the kernel walks the whole ioctl path and
/// returns ENOTTY — a real, cheap syscall, which makes the managed call overhead as visible as it can be.</summary>
[MemoryDiagnoser]
public class StubBench : IProbed
{
    private SafeFileHandle? _null;
    private int _fd;

    [GlobalSetup]
    public void Setup()
    {
        _null = File.OpenHandle("/dev/null", FileMode.Open, FileAccess.ReadWrite);
        _fd = (int)_null.DangerousGetHandle();
    }

    [Benchmark]
    public int GeneratedStub()
    {
        var destroy = iommu_destroy.Create();
        return Ioctls.TryIOMMU_DESTROY(_fd, ref destroy);
    }

    [GlobalCleanup]
    public void Cleanup() => _null?.Dispose();

    /// <summary>The same call against the C loop in interleaved rounds (see <see cref="InterleavedStub"/>).</summary>
    public IEnumerable<(string Key, double Value)> Probe()
    {
        Setup();
        try
        {
            foreach (var figure in InterleavedStub.Measure(CaseKey.Of(this, nameof(GeneratedStub)), _fd)) yield return figure;
        }
        finally
        {
            Cleanup();
        }
    }
}
