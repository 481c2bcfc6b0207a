using Linux.Iommu;

namespace Vm.Tests.Planner;

/// <summary>The QEMU oracle's table in docs/planner.md: one row per host mode and guest VT-d, QEMU's answer and the
/// plan's on each backend.</summary>
internal static class OracleTable
{
    public static string Doc => global::Iommu.Tests.Shared.RepositoryRoot.Combine("docs", "planner.md");

    public static List<string> Rows(string host, IReadOnlyList<OracleRun> runs) =>
        runs.GroupBy(r => r.Guest).Select(g =>
        {
            string Cells(IommuBackend backend) => g.SingleOrDefault(r => r.Backend == backend) is { } run ? $"{run.Qemu} | {run.Plan}" : "not run | not run";
            return $"| `{host}` | `{g.Key}` | {Cells(IommuBackend.Type1)} | {Cells(IommuBackend.Iommufd)} |";
        }).ToList();

    /// <summary>The rows of <paramref name="host"/> in docs/planner.md.</summary>
    public static List<string> Documented(string host) =>
        File.ReadLines(Doc).Where(l => l.StartsWith($"| `{host}` |", StringComparison.Ordinal)).ToList();
}
