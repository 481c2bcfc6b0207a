using Linux.Iommu.Planner;

namespace Linux.Iommu.Bench.Harness;

/// <summary>The shadow suites' operation: a simulated guest driver maps <see cref="Pages"/> 4 KiB pages of VT-d
/// second-stage tables as a number of contiguous runs (separated by unmapped IOVA and guest-physical gaps),
/// invalidates, unmaps them all and invalidates again — <see cref="UpdatesPerOperation"/> page-table updates mirrored
/// by a <see cref="ShadowEngine"/> into whatever mapper it is given.</summary>
internal sealed class ShadowUpdates : IDisposable
{
    public const int Pages = 512;
    private const ulong Page = 4096, RamGpa = 0, PoolGpa = 64UL << 20, Iova = IommuSession.IovaBase;
    private readonly DmaBuffer _ram = DmaBuffer.Allocate(72L << 20); // 64 MiB of guest RAM for data pages, 8 MiB for the table pool
    private readonly GuestPageTableBuilder _guest;
    private readonly ulong _runs, _runPages;

    public ShadowUpdates(IDmaMapper target, int runs)
    {
        if (runs <= 0 || Pages % runs != 0) throw new ArgumentOutOfRangeException(nameof(runs), $"{runs} runs do not divide {Pages} pages");
        _runs = (ulong)runs;
        _runPages = (ulong)(Pages / runs);
        var memory = new GuestMemory().Add(RamGpa, _ram);
        _guest = new GuestPageTableBuilder(memory, PoolGpa, 8UL << 20, GuestPageTableFormat.VtdSecondStage, inputAddressWidth: 48);
        Engine = new ShadowEngine(target, memory, _guest.Table);
    }

    /// <summary>Guest page-table entries written per operation (the "updates" of updates per second).</summary>
    public static int UpdatesPerOperation => 2 * Pages;

    public ShadowEngine Engine { get; }

    private ulong Span => 2 * Pages * Page; // runs sit one run-length apart in IOVA and GPA

    public void Apply()
    {
        for (var r = 0UL; r < _runs; r++) _guest.Map(Iova + 2 * r * _runPages * Page, RamGpa + 2 * r * _runPages * Page, _runPages * Page, DmaAccess.ReadWrite);
        Engine.Invalidate(Iova, Span);
        for (var r = 0UL; r < _runs; r++) _guest.Unmap(Iova + 2 * r * _runPages * Page, _runPages * Page);
        Engine.Invalidate(Iova, Span);
    }

    public void Dispose() => _ram.Dispose();
}
