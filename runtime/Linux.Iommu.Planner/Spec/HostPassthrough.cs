namespace Linux.Iommu.Planner;

/// <summary>The explicit "host-passthrough" mode, like <c>-cpu host</c>: the guest's vIOMMU is derived from the host IOMMU
/// behind the first device instead of being fixed by the user. The spec says so (<see cref="GuestViommuSpec.HostPassthrough"/>)
/// and every report marks the VM as not migratable: another host may offer something else.</summary>
public static class HostPassthrough
{
    /// <summary>The spec this host's IOMMU would offer a guest as is, over the IOAS's usable IOVA ranges: the
    /// <see cref="ViommuModel.PassThrough"/> of the model whose <see cref="ViommuModel.HostType"/> the host is, among the
    /// built-in models and <paramref name="plugIns"/>.</summary>
    /// <exception cref="InvalidOperationException">No known model nests on a host IOMMU of this type.</exception>
    public static GuestViommuSpec Derive(HwInfo host, ShadowFacts ioas, IEnumerable<ViommuModel>? plugIns = null)
    {
        var spec = ModelRegistry.With(plugIns).FirstOrDefault(m => m.HostType == host.Type)?.PassThrough(host)
            ?? throw new InvalidOperationException($"host-passthrough cannot describe an IOMMU of {ViommuModel.TypeText(host.Type)}: no model nests on it");
        var limit = GuestViommuSpec.HighestIova(spec.InputAddressWidth);
        var ranges = ioas.IovaRanges.Where(r => r.Start <= limit).Select(r => r with { Last = Math.Min(r.Last, limit) }).ToList();
        return spec with { IovaRanges = ranges, HostPassthrough = true };
    }
}
