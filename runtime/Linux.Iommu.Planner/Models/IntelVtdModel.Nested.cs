using Linux.Iommu.Planner.Native;
using static Linux.Iommu.Planner.Requirement;
using static Linux.Iommu.Readable;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Planner;

/// <summary>VT-d nesting: the checks QEMU's hw/i386/intel_iommu.c (vtd_check_hiod) makes, and the allocation.</summary>
public sealed partial record IntelVtdModel
{
    /// <summary>A guest that writes first-stage tables (nesting runs them on the host), ECAP.NEST, FSTS, SMTS (for a scalable-mode guest), the first-stage width, FS1GP for 1 GiB pages, PRS for
    /// page requests; the SPR17 erratum is reported without deciding.</summary>
    public override IEnumerable<Requirement> NestedRequirements(GuestViommuSpec spec, HwInfo host)
    {
        if (host.Vtd is not { } vtd) yield break;
        yield return Check(Id.VtdGuestFirstStage, "guest first-stage tables", FirstStage, "a guest that writes first-stage tables (vtd.firstStage)",
            FirstStage ? "vtd.firstStage: true" : "vtd.firstStage: false (the guest writes second-stage tables)");
        yield return Bit(Id.VtdNest, "nesting (ECAP.NEST)", vtd.Nesting);
        yield return Bit(Id.VtdFirstStage, "first-stage translation (ECAP.FSTS)", vtd.FirstStageTranslation);
        if (ScalableMode) yield return Bit(Id.VtdScalableMode, "scalable mode (ECAP.SMTS)", vtd.ScalableMode);
        var hostWidth = FirstStageWidth(vtd);
        yield return Check(Id.VtdAddressWidth, "address width", spec.InputAddressWidth <= hostWidth, $"{spec.InputAddressWidth} bits",
            $"{hostWidth} bits (MGAW {vtd.MaxGuestAddressWidth}, FS5LP {YesNo(vtd.FirstStage5LevelPaging)})");
        if (FirstStage1GiBPages || spec.PageSizes.Contains(1UL << 30))
        {
            yield return Bit(Id.VtdFirstStage1GiBPages, "first-stage 1 GiB pages (CAP.FS1GP)", vtd.FirstStage1GiBPages);
        }
        if (spec.Pri) yield return Bit(Id.VtdPageRequests, "page requests (ECAP.PRS)", vtd.PageRequests);
        if (vtd.Errata772415Spr17)
        {
            yield return Check(Id.VtdErratum772415, "erratum 772415 (SPR17)", true, "known errata handled", "present",
                "read-only mappings must not be used in the nest parent: map guest RAM writable");
        }
    }

    /// <summary>Nest parent, then a first-stage HWPT (struct iommu_hwpt_vtd_s1) of the guest's address width.</summary>
    public override NestedSetup AllocateNested(IommuFd iommu, Ioas ioas, uint deviceId, GuestViommuSpec spec) =>
        OnNestParent(iommu, ioas, deviceId, parent =>
        {
            var stage1 = new iommu_hwpt_vtd_s1 { addr_width = (uint)spec.InputAddressWidth, pgtbl_addr = 0 }; // the guest's root is set on attach
            return new NestedSetup(parent, null,
                HwPagetable.Allocate(iommu, deviceId, parent.Id, 0, HwptDataType.VtdS1, Bytes(ref stage1)));
        });
}
