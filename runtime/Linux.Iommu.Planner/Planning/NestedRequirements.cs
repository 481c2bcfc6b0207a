using static Linux.Iommu.Planner.Requirement;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Planner;

/// <summary>Can the host IOMMU behind a device run the guest's page tables itself (nested translation)? What every
/// model needs (the host IOMMU of the model's type, dirty tracking, the PASID width), then the model's own register
/// checks (<see cref="ViommuModel.NestedRequirements"/>). Pure: decided from the decoded IOMMU_GET_HW_INFO alone.</summary>
internal static class NestedRequirements
{
    public static List<Requirement> For(GuestViommuSpec spec, HwInfo host)
    {
        var expected = spec.Model.HostType;
        var result = new List<Requirement> { Check(Id.HostModel, "host IOMMU model", host.Type == expected, TypeName(expected, spec), TypeName(host.Type, spec)) };
        if (host.Type != expected) return result; // nothing else is comparable

        if (spec.DirtyTracking)
        {
            var dirty = host.Capabilities.HasFlag(HwCapabilities.DirtyTracking);
            result.Add(Check(Id.HostDirtyTracking, "dirty tracking", dirty, "IOMMU_HW_CAP_DIRTY_TRACKING", dirty ? "it" : "none"));
        }
        if (spec.PasidBits > 0)
        {
            result.Add(Check(Id.HostPasidWidth, "PASID width", host.MaxPasidLog2 >= spec.PasidBits, $"{spec.PasidBits} bits", $"{host.MaxPasidLog2} bits"));
        }
        result.AddRange(spec.Model.NestedRequirements(spec, host));
        return result;
    }

    /// <summary>How reports name a host IOMMU type: the spec's model's name for its type, else the enum name or number.</summary>
    internal static string TypeName(HwInfoType type, GuestViommuSpec spec) =>
        spec.Model.HostType == type ? spec.Model.HostTypeName : ViommuModel.TypeText(type);
}
