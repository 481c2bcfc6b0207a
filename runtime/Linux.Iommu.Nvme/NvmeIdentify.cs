using System.Buffers.Binary;
using System.Text;

namespace Linux.Iommu.Nvme;

/// <summary>The fields of the Identify Controller data structure (CNS 01h, NVMe 1.4 Figure 247) this driver uses: PCI
/// vendor id, serial number (bytes 4–23), model number (24–63), firmware revision (64–71), MDTS (77), controller id
/// (78–79), version (80–83), number of namespaces (516–519). ASCII fields are space padded; the padding is trimmed.</summary>
public sealed record NvmeControllerIdentity(ushort VendorId, string SerialNumber, string ModelNumber, string FirmwareRevision,
    int MaxDataTransferShift, ushort ControllerId, uint Version, uint NamespaceCount)
{
    internal static NvmeControllerIdentity Parse(ReadOnlySpan<byte> data) => new(
        BinaryPrimitives.ReadUInt16LittleEndian(data),
        Ascii(data[4..24]), Ascii(data[24..64]), Ascii(data[64..72]),
        data[77], BinaryPrimitives.ReadUInt16LittleEndian(data[78..]), BinaryPrimitives.ReadUInt32LittleEndian(data[80..]),
        BinaryPrimitives.ReadUInt32LittleEndian(data[516..]));

    private static string Ascii(ReadOnlySpan<byte> field) => Encoding.ASCII.GetString(field).TrimEnd(' ', '\0');

    /// <summary>The version as major.minor.tertiary.</summary>
    public string VersionText => $"{Version >> 16}.{(Version >> 8) & 0xff}.{Version & 0xff}";
}

/// <summary>The fields of the Identify Namespace data structure (CNS 00h, NVMe 1.4 Figure 245) this driver uses: size,
/// capacity and utilization in logical blocks (bytes 0–23), the formatted LBA size index (FLBAS, byte 26, bits 3:0) and
/// that LBA format's data size (LBADS, a power of two, in the format table from byte 128, 4 bytes an entry, bits 23:16).</summary>
public sealed record NvmeNamespace(uint Id, ulong SizeInBlocks, ulong CapacityInBlocks, ulong UtilizationInBlocks, int BlockSize)
{
    internal static NvmeNamespace Parse(uint id, ReadOnlySpan<byte> data)
    {
        var format = data[26] & 0xf;
        var lbaFormat = BinaryPrimitives.ReadUInt32LittleEndian(data[(128 + 4 * format)..]);
        return new(id, BinaryPrimitives.ReadUInt64LittleEndian(data), BinaryPrimitives.ReadUInt64LittleEndian(data[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(data[16..]), 1 << (int)((lbaFormat >> 16) & 0xff));
    }

    /// <summary>Size in bytes.</summary>
    public ulong SizeInBytes => SizeInBlocks * (ulong)BlockSize;
}
