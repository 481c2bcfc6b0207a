using System.Text;
using Linux.Iommu.Native;

namespace Linux.Iommu;

/// <summary>Which iommufd ioctls, flags and reported bits the running kernel has, found by probing the kernel itself
/// (<see cref="IommuFd.Features"/>; how each was probed is in <see cref="KernelFeatureState.Probe"/>), never by its
/// version string.</summary>
public sealed class KernelFeatures
{
    private readonly Dictionary<string, KernelFeatureState> _byName;

    internal KernelFeatures(string kernelRelease, IReadOnlyList<KernelFeatureState> all)
    {
        KernelRelease = kernelRelease;
        All = all;
        _byName = all.ToDictionary(s => s.Name, StringComparer.Ordinal);
    }

    /// <summary>The running kernel's release (uname -r), for messages: nothing is decided from it.</summary>
    public string KernelRelease { get; }

    /// <summary>Every probed feature, ioctls first (by request number), then flags and reported bits.</summary>
    public IReadOnlyList<KernelFeatureState> All { get; }

    /// <summary>Whether the kernel has the ioctl, flag or reported bit <paramref name="name"/> (its uAPI name, e.g.
    /// <c>IOMMU_IOAS_MAP_FILE</c>).</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a probed feature (the message lists them).</exception>
    public bool Supports(string name) => _byName.TryGetValue(name, out var state)
        ? state.Supported
        : throw new ArgumentException($"{name} is not a probed kernel feature; probed are: {string.Join(", ", _byName.Keys)}", nameof(name));

    /// <summary>True when <paramref name="name"/> is one of <see cref="All"/>.</summary>
    public bool IsProbed(string name) => _byName.ContainsKey(name);

    internal static KernelFeatures Probe(IommuFd iommu) =>
        new(IommufdSupport.KernelRelease(), FeatureProbe.Run((request, argument) => RawIommufdIoctl.Issue(iommu, request, argument)));

    /// <summary>One line per feature: name, yes/no, how it was probed.</summary>
    public string Describe()
    {
        var text = new StringBuilder($"kernel features of {KernelRelease} (probed):\n");
        var width = All.Max(s => s.Name.Length);
        foreach (var state in All)
        {
            text.Append($"  {state.Name.PadRight(width)}  {(state.Supported ? "yes" : "no ")}  {state.Kind.ToString().ToLowerInvariant()}: {state.Probe}");
            if (!state.Supported && KernelAvailability.Evidence(state.Name) is { } evidence) text.Append($" [{evidence}]");
            text.Append('\n');
        }
        return text.ToString();
    }
}
