using Linux.Iommu;
using Linux.Iommu.Planner;

namespace Iommu.Tests.Shared;

/// <summary>A fleet of any size made from the hosts recorded in tests/data/hosts, for the placement tests and the fleet
/// benchmark: host i is recorded host i mod n with the top of its IOVA space cut to one of 13 widths (36 to 48 bits),
/// its kernel release one of four, IOMMU_VIOMMU_ALLOC missing from every eleventh kernel, a 64 KiB IOVA alignment on
/// every seventh, and dirty tracking and a PASID width varied on the IOMMU, so that hosts share some facts and not
/// others. With <c>distinctEvery</c> k every k-th host's IOVA space also ends a few pages lower than any other's: k = 1
/// makes every host's IOAS its own. Linked into Runtime.Tests and the benchmarks.</summary>
internal static class SyntheticFleet
{
    public static IReadOnlyList<RecordedHost> Recorded() =>
        [.. Directory.GetFiles(RepositoryRoot.Combine("tests", "data", "hosts"), "*.json").Order(StringComparer.Ordinal).Select(RecordedHostJson.Load)];

    public static List<FleetHost> Make(IReadOnlyList<RecordedHost> recorded, int count, int distinctEvery)
    {
        var hosts = new List<FleetHost>(count);
        for (var i = 0; i < count; i++)
        {
            var host = recorded[i % recorded.Count];
            var top = (1UL << (36 + i / recorded.Count % 13)) - 1 - (i % distinctEvery == 0 ? (ulong)i << 12 : 0);
            var devices = host.Devices.Select(d => d with
            {
                HwInfo = HwInfo.Decode(d.HwInfo.Type, d.HwInfo.Data.Span, d.HwInfo.CapabilityBits ^ (i % 2 == 0 ? 0 : (ulong)HwCapabilities.DirtyTracking),
                    (byte)(d.HwInfo.MaxPasidLog2 + i % 3 * 4)),
                IovaRanges = [.. d.IovaRanges.Where(r => r.Start <= top).Select(r => r with { Last = Math.Min(r.Last, top) })],
                IovaAlignment = i % 7 == 0 ? 0x10000UL : d.IovaAlignment,
            }).ToList();
            if (devices.Any(d => d.IovaRanges.Count == 0)) devices = [.. host.Devices];
            hosts.Add(new FleetHost($"host-{i}", host with
            {
                Devices = devices,
                Kernel = $"7.3.{i % 4}",
                KernelLacks = i % 11 == 0 ? ["IOMMU_VIOMMU_ALLOC"] : host.KernelLacks,
            }));
        }
        return hosts;
    }
}
