namespace Linux.Iommu.Bench.Harness;

/// <summary>A suite that also reports counts (ioctls issued, steps re-run): exact numbers from one deterministic
/// run outside the timed loop, written beside the timings as "key → value".</summary>
public interface IProbed
{
    IEnumerable<(string Key, double Value)> Probe();
}
