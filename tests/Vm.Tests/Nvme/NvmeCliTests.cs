using Linux.Iommu.Nvme;

namespace Vm.Tests.Nvme;

/// <summary><c>iommu nvme identify|write|read</c> in the guest (the tool built beside this assembly): the identify output
/// shows QEMU's serial and size, a file written to LBAs reads back equal, and the controller is back with the kernel's nvme
/// driver afterwards, as it was before.</summary>
[Collection(NvmeCollection.Name)]
[Trait("Boot", "nvme")]
public sealed class NvmeCliTests
{
    private static string Iommu(params string[] args)
    {
        var result = BuiltProgram.Run("iommu", args);
        Assert.True(result.ExitCode == 0, $"iommu {string.Join(' ', args)} exited {result.ExitCode}: {result.Stderr}{result.Stdout}");
        return result.Stdout;
    }

    [Fact]
    [Trait("Category", "Vm")]
    public void Identify_write_and_read_work_and_the_controller_goes_back_to_the_kernel_driver()
    {
        var pci = NvmePciDevice.Find(null);
        pci.BindToKernel(); // as the guest booted: the nvme driver owns it
        var identify = Iommu("nvme", "identify");
        Console.WriteLine($"iommu nvme identify:\n{identify}");
        Assert.Contains($"serial     {NvmeSession.ExpectedSerial}", identify);
        Assert.Contains($"({NvmeSession.ExpectedBytes} bytes)", identify);

        var input = Path.Combine(Path.GetTempPath(), "nvme-cli-in.bin");
        var output = Path.Combine(Path.GetTempPath(), "nvme-cli-out.bin");
        var data = new byte[1000]; // not a whole block: the tool zero-pads the last one
        new Random(5).NextBytes(data);
        File.WriteAllBytes(input, data);
        Iommu("nvme", "write", "--lba", "6000", "--in", input);
        Iommu("nvme", "read", "--lba", "6000", "--blocks", "2", "--out", output);
        var back = File.ReadAllBytes(output);
        Assert.Equal(1024, back.Length);
        Assert.True(back.AsSpan(0, 1000).SequenceEqual(data) && back.AsSpan(1000).IndexOfAnyExcept((byte)0) < 0, "the bytes read back differ from the file written");
        Assert.Contains("00000000", Iommu("nvme", "read", "--lba", "0")); // the hex dump starts at the LBA's byte offset 0
        Assert.Equal("nvme", pci.Driver);
    }
}
