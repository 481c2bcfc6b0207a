using Linux.Iommu.DriverKit;
using Linux.Iommu.Nvme;

namespace Linux.Iommu.Cli;

/// <summary><c>iommu nvme identify|read|write</c>: the driver kit's NVMe sample on a controller of this machine. The
/// controller is moved to vfio-pci for the command (from the kernel's nvme driver, whose block device disappears
/// meanwhile), opened through whichever backend the kernel has, and given back to the driver it had afterwards.</summary>
internal static class NvmeCommand
{
    public static int Identify(string? address) => Run(address, nvme =>
    {
        var id = nvme.Identity;
        Console.WriteLine($"model      {id.ModelNumber}");
        Console.WriteLine($"serial     {id.SerialNumber}");
        Console.WriteLine($"firmware   {id.FirmwareRevision}");
        Console.WriteLine($"version    NVMe {id.VersionText}");
        Console.WriteLine($"vendor     0x{id.VendorId:x4}, controller id {id.ControllerId}, {id.NamespaceCount} namespace(s), max transfer {Readable.Bytes((ulong)nvme.MaxTransfer)}");
        var ns = nvme.Namespace;
        Console.WriteLine($"namespace  {ns.Id}: {ns.SizeInBlocks} blocks of {ns.BlockSize} B = {Readable.Bytes(ns.SizeInBytes)} ({ns.SizeInBytes} bytes)");
    });

    public static int Read(string? address, ulong lba, int blocks, FileInfo? output) => Run(address, nvme =>
    {
        using var buffer = DmaBuffer.Allocate((long)blocks * nvme.Namespace.BlockSize);
        nvme.Read(lba, blocks, buffer);
        var bytes = buffer.Span[..(blocks * nvme.Namespace.BlockSize)];
        if (output is not null)
        {
            File.WriteAllBytes(output.FullName, bytes.ToArray());
            Console.WriteLine($"read {blocks} block(s) from LBA {lba} into {output.FullName}");
            return;
        }
        for (var offset = 0; offset < bytes.Length; offset += 16)
        {
            var line = bytes.Slice(offset, 16);
            Console.WriteLine($"{(long)lba * nvme.Namespace.BlockSize + offset:x8}  {Convert.ToHexString(line).ToLowerInvariant()}  " +
                new string([.. line.ToArray().Select(b => b is >= 0x20 and < 0x7f ? (char)b : '.')]));
        }
    });

    public static int Write(string? address, ulong lba, FileInfo input) => Run(address, nvme =>
    {
        var data = File.ReadAllBytes(input.FullName);
        if (data.Length == 0) throw new InvalidOperationException($"{input.FullName} is empty: nothing to write");
        var blocks = (data.Length + nvme.Namespace.BlockSize - 1) / nvme.Namespace.BlockSize;
        using var buffer = DmaBuffer.Allocate((long)blocks * nvme.Namespace.BlockSize);
        data.CopyTo(buffer.Span); // the last block's tail stays zero
        nvme.Write(lba, blocks, buffer);
        Console.WriteLine($"wrote {data.Length} bytes ({blocks} block(s), the last zero-padded) to LBA {lba}");
    });

    private static int Run(string? address, Action<NvmeController> action)
    {
        var pci = NvmePciDevice.Find(address);
        var previous = pci.Driver;
        pci.Pci.BindToVfioPci(); // the set opens it through iommufd or its group: no cdev needed
        try
        {
            using var set = VfioDeviceSet.Open([pci.Pci]);
            using var space = set.CreateDmaSpace();
            using var nvme = NvmeController.Open(set.Devices[0].Device, space);
            action(nvme);
        }
        finally
        {
            if (previous == "nvme") Console.Error.WriteLine($"iommu: {pci.Address} back to the kernel's nvme driver: {pci.BindToKernel()}");
        }
        return ExitCodes.Ok;
    }
}
