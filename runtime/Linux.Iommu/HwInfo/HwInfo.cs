using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Linux.Iommu.Native;
using static Linux.Iommu.CapabilityText;

namespace Linux.Iommu;

/// <summary>The result of IOMMU_GET_HW_INFO for one bound device: the IOMMU's type, its raw type-specific
/// data, the generic capabilities, and the data decoded for the types this library knows.</summary>
/// <remarks>Exactly one of <see cref="Vtd"/>, <see cref="SmmuV3"/>, <see cref="Amd"/> is set when
/// <see cref="Type"/> is that IOMMU's; for any other type (none, NVIDIA Tegra241 CMDQV, the selftest
/// mock's 0xfeedbeef, a future one) only the raw <see cref="Data"/> is there.</remarks>
public sealed record HwInfo
{
    private HwInfo(HwInfoType type, byte[] data, ulong capabilities, byte maxPasidLog2)
    {
        Type = type;
        Data = data;
        CapabilityBits = capabilities;
        MaxPasidLog2 = maxPasidLog2;
    }

    /// <summary><c>out_data_type</c>: which IOMMU's data <see cref="Data"/> holds.</summary>
    public HwInfoType Type { get; }

    /// <summary>The type-specific data as the kernel filled it (<c>data_len</c> bytes).</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary><c>out_capabilities</c>, all 64 bits as the kernel returned them.</summary>
    public ulong CapabilityBits { get; }

    /// <summary>The generic capabilities (dirty tracking, PASID exec/priv, ATS unsupported). The C enum is 32 bits
    /// wide, the field 64: a bit above 31 (none is defined in 7.3) is only in <see cref="CapabilityBits"/>.</summary>
    public HwCapabilities Capabilities => (HwCapabilities)(uint)CapabilityBits;

    /// <summary>Capability bits the kernel that answered cannot set, because it predates them
    /// (<see cref="IommuFd.GetHwInfo"/> fills this from <see cref="IommuFd.Features"/>): for these bits a 0 means "not
    /// reported", not "no". Matters for negative bits such as IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED. Not part of equality
    /// (it describes the kernel, not the IOMMU).</summary>
    public HwCapabilities UnreportedCapabilities { get; init; }

    /// <summary>Whether ATS is unusable for the device: true when the kernel set IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED, false
    /// when a kernel that knows the bit left it clear (ATS may be enabled), null when the kernel predates the bit
    /// (not reported: its absence says nothing).</summary>
    public bool? AtsNotSupported =>
        Capabilities.HasFlag(HwCapabilities.PciAtsNotSupported) ? true
        : UnreportedCapabilities.HasFlag(HwCapabilities.PciAtsNotSupported) ? null : false;

    /// <summary>How <see cref="AtsNotSupported"/> reads: "not supported", "may be enabled" or "not reported by this kernel".</summary>
    public string AtsText => AtsNotSupported switch
    {
        true => "not supported (IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED)",
        false => "may be enabled (IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED clear)",
        null => "not reported by this kernel (it predates IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED)",
    };

    /// <summary><c>out_max_pasid_log2</c>: the device's PASID width; 0 means no PASID.</summary>
    public byte MaxPasidLog2 { get; }

    /// <summary>The decoded VT-d registers, when <see cref="Type"/> is <c>IOMMU_HW_INFO_TYPE_INTEL_VTD</c>.</summary>
    public VtdCapabilities? Vtd { get; private init; }

    /// <summary>The decoded SMMUv3 registers, when <see cref="Type"/> is <c>IOMMU_HW_INFO_TYPE_ARM_SMMUV3</c>.</summary>
    public SmmuV3Capabilities? SmmuV3 { get; private init; }

    /// <summary>The decoded AMD registers, when <see cref="Type"/> is <c>IOMMU_HW_INFO_TYPE_AMD</c>.</summary>
    public AmdCapabilities? Amd { get; private init; }

    /// <summary>Decodes what IOMMU_GET_HW_INFO returned: <paramref name="data"/> is the buffer's first
    /// <c>data_len</c> bytes. Data longer than the structure this library knows is fine (a newer kernel
    /// appends fields); an unknown type keeps the raw data only.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is shorter than the structure of <paramref name="type"/>.</exception>
    public static HwInfo Decode(HwInfoType type, ReadOnlySpan<byte> data, ulong capabilities, byte maxPasidLog2)
    {
        var info = new HwInfo(type, data.ToArray(), capabilities, maxPasidLog2);
        return type switch
        {
            HwInfoType.IntelVtd =>
                info with { Vtd = VtdCapabilities.From(Read<iommu_hw_info_vtd>(type, data)) },
            HwInfoType.ArmSmmuV3 =>
                info with { SmmuV3 = SmmuV3Capabilities.From(Read<iommu_hw_info_arm_smmuv3>(type, data)) },
            HwInfoType.Amd =>
                info with { Amd = AmdCapabilities.From(Read<iommu_hw_info_amd>(type, data)) },
            _ => info,
        };
    }

    // The registers are little-endian, as are the only architectures with these IOMMUs (x86_64, arm64).
    private static T Read<T>(HwInfoType type, ReadOnlySpan<byte> data) where T : unmanaged
    {
        var size = Unsafe.SizeOf<T>();
        if (data.Length < size)
            throw new ArgumentException(
                $"IOMMU_GET_HW_INFO data of type {type} is {data.Length} bytes, shorter than the {size} bytes of struct {typeof(T).Name}",
                nameof(data));
        return MemoryMarshal.Read<T>(data);
    }

    /// <summary>A readable multi-line account: the type, the generic capabilities and every decoded field
    /// that decides a vIOMMU plan (what the planner prints when it refuses).</summary>
    public string Describe()
    {
        var text = new StringBuilder()
            .Line("", $"IOMMU hardware info: {TypeName(Type)}, {Data.Length} data bytes")
            .Line("", $"  generic capabilities: {(Capabilities == 0 ? "none" : (iommufd_hw_capabilities)Capabilities)}{(CapabilityBits >> 32 == 0 ? "" : $", unknown bits 0x{CapabilityBits & ~0xffff_ffffUL:x}")}; max PASID width: {(MaxPasidLog2 == 0 ? "no PASID" : $"{MaxPasidLog2} bits")}")
            .Line("", $"  ATS: {AtsText}");
        if (Vtd is not null) Vtd.Describe(text, "  ");
        else if (SmmuV3 is not null) SmmuV3.Describe(text, "  ");
        else if (Amd is not null) Amd.Describe(text, "  ");
        else text.Line("", $"  raw data: {(Data.IsEmpty ? "none" : Convert.ToHexString(Data.Span).ToLowerInvariant())}");
        return text.ToString();
    }

    private static string TypeName(HwInfoType type) => type switch
    {
        HwInfoType.None => "none (IOMMU_HW_INFO_TYPE_NONE: the driver reports no data)",
        HwInfoType.IntelVtd => "Intel VT-d (IOMMU_HW_INFO_TYPE_INTEL_VTD)",
        HwInfoType.ArmSmmuV3 => "ARM SMMUv3 (IOMMU_HW_INFO_TYPE_ARM_SMMUV3)",
        HwInfoType.Tegra241Cmdqv => "NVIDIA Tegra241 CMDQV (IOMMU_HW_INFO_TYPE_TEGRA241_CMDQV, not decoded)",
        HwInfoType.Amd => "AMD IOMMU (IOMMU_HW_INFO_TYPE_AMD)",
        _ => $"unknown type 0x{(uint)type:x} (not decoded)",
    };

    /// <summary>The same text as <see cref="Describe"/>.</summary>
    public override string ToString() => Describe();

    /// <summary>Equal when type, generic capabilities, PASID width and the data bytes are equal.</summary>
    public bool Equals(HwInfo? other) =>
        other is not null && Type == other.Type && CapabilityBits == other.CapabilityBits &&
        MaxPasidLog2 == other.MaxPasidLog2 && Data.Span.SequenceEqual(other.Data.Span);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Type);
        hash.Add(CapabilityBits);
        hash.Add(MaxPasidLog2);
        hash.AddBytes(Data.Span);
        return hash.ToHashCode();
    }
}
