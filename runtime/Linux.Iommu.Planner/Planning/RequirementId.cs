namespace Linux.Iommu.Planner;

/// <summary>The stable ids of <see cref="Requirement"/>s: what code and tests key on (the display names may change).
/// A family prefix (<c>vtd.</c>, <c>smmuv3.</c>, <c>amd.</c>) and the register field where there is one.</summary>
public static class RequirementId
{
    /// <summary>The host IOMMU is of the guest's model (IOMMU_GET_HW_INFO out_data_type).</summary>
    public const string HostModel = "host.model";
    /// <summary>IOMMU_HW_CAP_DIRTY_TRACKING, for a guest with dirty tracking.</summary>
    public const string HostDirtyTracking = "host.dirty-tracking";
    /// <summary>out_max_pasid_log2 covers the guest's PASID width.</summary>
    public const string HostPasidWidth = "host.pasid-width";

    /// <summary>Nested, VT-d: the guest writes first-stage tables (<c>vtd.firstStage</c>), which nesting runs on the host.</summary>
    public const string VtdGuestFirstStage = "vtd.guest.first-stage";
    /// <summary>Shadow, VT-d: the guest's vIOMMU has caching mode (CAP.CM, <c>vtd.cachingMode</c>), so the guest
    /// invalidates when it makes an entry present and the shadow sees new mappings.</summary>
    public const string VtdCachingMode = "vtd.cap.cm";
    /// <summary>VT-d ECAP.NEST.</summary>
    public const string VtdNest = "vtd.ecap.nest";
    /// <summary>VT-d ECAP.FSTS (first-stage translation).</summary>
    public const string VtdFirstStage = "vtd.ecap.fsts";
    /// <summary>VT-d ECAP.SMTS (scalable mode).</summary>
    public const string VtdScalableMode = "vtd.ecap.smts";
    /// <summary>VT-d first-stage address width: 48 bits, 57 with CAP.FS5LP, at most CAP.MGAW.</summary>
    public const string VtdAddressWidth = "vtd.cap.mgaw";
    /// <summary>VT-d CAP.FS1GP (first-stage 1 GiB pages).</summary>
    public const string VtdFirstStage1GiBPages = "vtd.cap.fs1gp";
    /// <summary>VT-d ECAP.PRS (page requests).</summary>
    public const string VtdPageRequests = "vtd.ecap.prs";
    /// <summary>IOMMU_HW_INFO_VTD_ERRATA_772415_SPR17 (reported, never deciding).</summary>
    public const string VtdErratum772415 = "vtd.errata.772415-spr17";

    /// <summary>SMMUv3 IDR0.S1P and S2P.</summary>
    public const string SmmuV3Stages = "smmuv3.idr0.s1p-s2p";
    /// <summary>SMMUv3 IDR0.ST_LEVEL equal to the guest's.</summary>
    public const string SmmuV3StreamTableLevels = "smmuv3.idr0.st-level";
    /// <summary>SMMUv3 IDR0.TTF has the guest's table format.</summary>
    public const string SmmuV3TableFormat = "smmuv3.idr0.ttf";
    /// <summary>SMMUv3 IDR1.SIDSIZE.</summary>
    public const string SmmuV3StreamIdBits = "smmuv3.idr1.sidsize";
    /// <summary>SMMUv3 IDR1.SSIDSIZE.</summary>
    public const string SmmuV3SubstreamIdBits = "smmuv3.idr1.ssidsize";
    /// <summary>SMMUv3 IDR3.RIL.</summary>
    public const string SmmuV3RangeInvalidation = "smmuv3.idr3.ril";
    /// <summary>SMMUv3 IDR5.OAS.</summary>
    public const string SmmuV3OutputAddressSize = "smmuv3.idr5.oas";
    /// <summary>SMMUv3 IDR5.GRAN4K/16K/64K equal to the guest's.</summary>
    public const string SmmuV3Granules = "smmuv3.idr5.gran";
    /// <summary>SMMUv3 IDR0.PRI.</summary>
    public const string SmmuV3PageRequests = "smmuv3.idr0.pri";
    /// <summary>IOMMU_HW_INFO_ARM_SMMUV3_ERRATA_REPEAT_TLBI_CFGI (reported, never deciding).</summary>
    public const string SmmuV3ErratumRepeatTlbiCfgi = "smmuv3.errata.repeat-tlbi-cfgi";

    /// <summary>AMD EFR.GTSup (guest translation).</summary>
    public const string AmdGuestTranslation = "amd.efr.gtsup";
    /// <summary>AMD EFR.GATS (guest page-table levels).</summary>
    public const string AmdGuestLevels = "amd.efr.gats";
    /// <summary>AMD EFR.PASmax.</summary>
    public const string AmdPasidWidth = "amd.efr.pasmax";
    /// <summary>AMD EFR.PPRSup (peripheral page requests).</summary>
    public const string AmdPageRequests = "amd.efr.pprsup";

    /// <summary>Shadow: one guest IOVA range lies inside the IOAS's usable ranges (one requirement per range).</summary>
    public const string ShadowIovaRange = "shadow.iova-range";
    /// <summary>Shadow: the IOAS's IOVA space reaches the top of the guest's address width (2^inputAddressWidth − 1).</summary>
    public const string ShadowAddressWidth = "shadow.address-width";
    /// <summary>Shadow: the shadow engine walks the guest's page-table format.</summary>
    public const string ShadowGuestTables = "shadow.guest-tables";
    /// <summary>Shadow: the IOAS maps pages no larger than the guest's smallest.</summary>
    public const string ShadowPageSize = "shadow.page-size";

    /// <summary>Nested, for several devices: one host IOMMU behind all of them.</summary>
    public const string OneHostIommu = "plan.one-host-iommu";
    /// <summary>Nested: the kernel allocated the nest-parent and nested HWPTs (and vIOMMU) the registers promised.</summary>
    public const string KernelAllocatesNested = "kernel.nested-alloc";
    /// <summary>Nested: the kernel serves iommufd at all (a kernel before 6.2 offers only the legacy type1 container).</summary>
    public const string KernelIommufd = "kernel.iommufd";
    /// <summary>Nested, SMMUv3: the running kernel has IOMMU_VIOMMU_ALLOC (probed; 6.12 lacks it).</summary>
    public const string KernelViommuAlloc = "kernel.viommu-alloc";
    /// <summary>Devices sharing an IOMMU group (one requester ID) are placed as the spec allows (one per group).</summary>
    public const string SharedIommuGroup = "topology.iommu-group";
    /// <summary>Hot-plug into a Nested plan: the new device's IOMMU is the running plan's.</summary>
    public const string HotPlugSameHostIommu = "hotplug.same-host-iommu";
    /// <summary>Hot-plug into a Shadow plan: the device attaches to the running IOAS.</summary>
    public const string HotPlugAttach = "hotplug.attach";

    /// <summary>Migration: the destination is of the source's architecture (x86_64, aarch64): the guest's CPU and
    /// vIOMMU model go with it.</summary>
    public const string MigrationArchitecture = "migrate.architecture";
    /// <summary>Migration: each device of the VM is on the destination.</summary>
    public const string MigrationDevice = "migrate.device";
    /// <summary>Migration: the VM's devices share IOMMU groups (requester IDs) on the destination as they do on the source,
    /// since the guest sees the devices of one group behind one bridge.</summary>
    public const string MigrationIommuGroups = "migrate.iommu-groups";
    /// <summary>Migration: the host IOMMU behind each device logs the device's DMA writes (IOMMU_HW_CAP_DIRTY_TRACKING and
    /// the kernel's IOMMU_HWPT_SET_DIRTY_TRACKING / IOMMU_HWPT_GET_DIRTY_BITMAP) on the source and the destination;
    /// deciding for a spec with <c>dirtyTracking</c>.</summary>
    public const string MigrationDirtyTracking = "migrate.dirty-tracking";
}
