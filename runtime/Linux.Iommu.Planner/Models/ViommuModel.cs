using System.Text.Json;
using Linux.Iommu.Planner.Native;
using Id = Linux.Iommu.Planner.RequirementId;

namespace Linux.Iommu.Planner;

/// <summary>A guest-visible vIOMMU model and everything the planner knows about it, in one place. An instance is the model
/// as one guest sees it: its own fields (an SMMUv3's IDR fields, a VT-d's scalable mode) are the record's, so two specs
/// with equal models show their guests the same IOMMU. Per model: the spec's <c>model</c> name, its block of fields and
/// their validation, the host IOMMU type that nests it with the model's nested checks, kernel ioctls and allocation, the
/// page-table format the shadow engine walks for it, and the spec host-passthrough derives from such a host. The planner
/// itself knows none: VT-d, SMMUv3 and AMD-Vi are registered by default (<see cref="ViommuPlanner.BuiltInModels"/>), any
/// other by giving it to the <see cref="ViommuPlanner"/> (Linux.Iommu.Testing defines the kernel selftest's mock IOMMU
/// this way). Every method that takes a spec is called with a spec whose <see cref="GuestViommuSpec.Model"/> is this
/// instance.</summary>
public abstract record ViommuModel
{
    /// <summary>The spec's <c>model</c> value, e.g. <c>intel-vtd</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The spec's JSON block of this model's own fields (e.g. <c>vtd</c>), or null when the model has none. A
    /// spec for another model that carries this block is refused.</summary>
    public virtual string? FieldsName => null;

    /// <summary>The model with the fields of the spec's <see cref="FieldsName"/> block (null when the spec has none); a
    /// bad or unknown field is a <see cref="SpecException"/> naming it (<c>vtd.scalableMode</c>). Called only for a model
    /// with a <see cref="FieldsName"/>.</summary>
    public virtual ViommuModel ReadFields(JsonElement? fields) => this;

    /// <summary>Refuses a spec that no guest of this model can be (a <see cref="SpecException"/> naming the field), when
    /// the spec loads and before any device is touched. Nothing by default.</summary>
    public virtual void Validate(GuestViommuSpec spec)
    {
    }

    /// <summary>The IOMMU_GET_HW_INFO <c>out_data_type</c> of a host IOMMU that can nest this model.</summary>
    public abstract HwInfoType HostType { get; }

    /// <summary>How reports name <see cref="HostType"/>: the enum name by default.</summary>
    public virtual string HostTypeName => TypeText(HostType);

    /// <summary>The spec host-passthrough derives from a host IOMMU of <see cref="HostType"/>, IOVA ranges left empty
    /// (<see cref="HostPassthrough.Derive"/> fills them from the IOAS).</summary>
    public abstract GuestViommuSpec PassThrough(HwInfo host);

    /// <summary>The Nested stage: the model's own checks of a host IOMMU of <see cref="HostType"/>, beyond the type,
    /// dirty tracking and PASID width that every model needs (none by default).</summary>
    public virtual IEnumerable<Requirement> NestedRequirements(GuestViommuSpec spec, HwInfo host) => [];

    /// <summary>The Nested stage: the iommufd ioctls <see cref="AllocateNested"/> calls that a kernel may lack (each
    /// with its <see cref="RequirementId"/>); a kernel probed without one fails Nested before anything is allocated.</summary>
    public virtual IEnumerable<(string RequirementId, string Ioctl)> NestedKernelIoctls(GuestViommuSpec spec) => [];

    /// <summary>The Nested stage: allocates the nested objects for a device (the kernel's proof that nesting works).</summary>
    public abstract NestedSetup AllocateNested(IommuFd iommu, Ioas ioas, uint deviceId, GuestViommuSpec spec);

    /// <summary>The Shadow stage: the format the guest writes its DMA page tables in, which the shadow engine walks, or
    /// null when it has no walker for them; <paramref name="tables"/> names the guest's tables either way.</summary>
    public abstract GuestPageTableFormat? ShadowFormat(GuestViommuSpec spec, out string tables);

    /// <summary>The Shadow stage: the model's requirements beyond the IOAS's ranges and page size. By default one: the
    /// shadow engine walks the guest's tables (<see cref="ShadowFormat"/>).</summary>
    public virtual IEnumerable<Requirement> ShadowRequirements(GuestViommuSpec spec)
    {
        var format = ShadowFormat(spec, out var tables);
        return [GuestTables(format is not null, $"{(format is null ? "no walker" : "a walker")} for {tables}")];
    }

    /// <summary>The requirement that the shadow engine can serve the guest's tables, as <paramref name="offered"/> says.</summary>
    protected static Requirement GuestTables(bool walkable, string offered) =>
        new(Id.ShadowGuestTables, "guest page-table format", "a shadow engine that walks the guest's tables", offered, walkable);

    /// <summary>Allocates the nest parent (stage 2, over the IOAS) for a device, then what <paramref name="nest"/> hangs on
    /// it; the parent is destroyed again when that fails.</summary>
    protected static NestedSetup OnNestParent(IommuFd iommu, Ioas ioas, uint deviceId, Func<HwPagetable, NestedSetup> nest)
    {
        var parent = HwPagetable.Allocate(iommu, deviceId, ioas.Id, HwptAllocFlags.NestParent);
        try
        {
            return nest(parent);
        }
        catch
        {
            parent.Dispose();
            throw;
        }
    }

    /// <summary>A host IOMMU type as reports show it: the enum name, else the number.</summary>
    internal static string TypeText(HwInfoType type) => Enum.IsDefined((iommu_hw_info_type)type) ? ((iommu_hw_info_type)type).ToString() : $"type 0x{(uint)type:x}";

    /// <summary>The spec's block of this model's fields, read with paths under <see cref="FieldsName"/>.</summary>
    private protected JsonNode Fields(JsonElement block) => new(block, FieldsName!, (field, problem) => new SpecException(field, problem));

    /// <summary>The driver data of a nested allocation, as bytes.</summary>
    private protected static byte[] Bytes<T>(ref T value) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(new Span<T>(ref value)).ToArray();

    /// <summary>The page sizes a host offers a passed-through guest (4 KiB when it names none).</summary>
    private protected static List<ulong> Pages(bool small, bool twoMiB, bool oneGiB) =>
        new[] { small ? 4096UL : 0, twoMiB ? 2UL << 20 : 0, oneGiB ? 1UL << 30 : 0 }.Where(p => p != 0).DefaultIfEmpty(4096UL).ToList();

    /// <summary>Whether the host IOMMU offers dirty tracking (for a passed-through guest).</summary>
    private protected static bool DirtyTracking(HwInfo host) => host.Capabilities.HasFlag(HwCapabilities.DirtyTracking);

    /// <summary>The decoded registers of a host of <see cref="HostType"/>, or the error for a hw_info they could not be read from.</summary>
    private protected T Decoded<T>(T? registers, HwInfo host) where T : class =>
        registers ?? throw new InvalidOperationException($"{Name}: the {TypeText(host.Type)} hw_info has no decodable {typeof(T).Name}");
}
