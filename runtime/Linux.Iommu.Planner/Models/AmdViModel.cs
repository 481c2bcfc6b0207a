using Linux.Iommu.Planner.Native;
using static Linux.Iommu.Planner.Requirement;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Planner;

/// <summary>AMD-Vi as the guest sees it (spec <c>amd-vi</c>, no block of its own): nesting runs the guest's v2 page
/// tables on the host; the shadow engine has no walker for the v1 tables a guest writes for DMA remapping.</summary>
public sealed record AmdViModel : ViommuModel
{
    /// <inheritdoc/>
    public override string Name => "amd-vi";

    /// <inheritdoc/>
    public override HwInfoType HostType => HwInfoType.Amd;

    /// <summary>57-bit with 5-level guest tables (GATS), else 48; every page size; the host's PASIDs.</summary>
    public override GuestViommuSpec PassThrough(HwInfo host)
    {
        var amd = Decoded(host.Amd, host);
        return new GuestViommuSpec(this, amd.GuestPageTableLevels == 5 ? 57 : 48, Pages(true, true, true), [], amd.PasidBits,
            amd.PeripheralPageRequests, DirtyTracking(host));
    }

    /// <summary>EFR.GTSup, enough guest levels (GATS) for the width, PASmax and PPRSup where the guest has them.</summary>
    public override IEnumerable<Requirement> NestedRequirements(GuestViommuSpec spec, HwInfo host)
    {
        if (host.Amd is not { } amd) yield break;
        yield return Bit(Id.AmdGuestTranslation, "guest translation (EFR.GTSup)", amd.GuestTranslation);
        var levels = spec.InputAddressWidth > 48 ? 5 : 4;
        yield return Check(Id.AmdGuestLevels, "guest page table levels (EFR.GATS)", amd.GuestPageTableLevels >= levels,
            $"{levels} levels ({spec.InputAddressWidth}-bit)", $"{amd.GuestPageTableLevels?.ToString() ?? "reserved"} levels");
        if (spec.PasidBits > 0)
        {
            yield return Check(Id.AmdPasidWidth, "PASID width (EFR.PASmax)", amd.PasidBits >= spec.PasidBits, $"{spec.PasidBits} bits", $"{amd.PasidBits} bits");
        }
        if (spec.Pri) yield return Bit(Id.AmdPageRequests, "page requests (EFR.PPRSup)", amd.PeripheralPageRequests);
    }

    /// <summary>Nest parent, then a guest HWPT (struct iommu_hwpt_amd_guest) with an empty DTE.</summary>
    public override NestedSetup AllocateNested(IommuFd iommu, Ioas ioas, uint deviceId, GuestViommuSpec spec) =>
        OnNestParent(iommu, ioas, deviceId, parent =>
        {
            var dte = new iommu_hwpt_amd_guest();
            return new NestedSetup(parent, null,
                HwPagetable.Allocate(iommu, deviceId, parent.Id, 0, HwptDataType.AmdGuest, Bytes(ref dte)));
        });

    /// <summary>None: the shadow engine does not walk AMD-Vi v1 page tables.</summary>
    public override GuestPageTableFormat? ShadowFormat(GuestViommuSpec spec, out string tables)
    {
        tables = "AMD-Vi v1 page tables";
        return null;
    }
}
