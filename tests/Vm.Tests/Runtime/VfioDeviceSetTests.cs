using Linux.Iommu;
using Linux.Iommu.DriverKit;
using Linux.Iommu.Native;
using Linux.Iommu.Testing;

namespace Vm.Tests.Runtime;

/// <summary><see cref="VfioDeviceSet"/> on the real kernel with the guest's edu devices: the backend chosen once (iommufd
/// where the kernel has it and its cdevs, type1 otherwise or when asked), the same DMA through either, and an Open that
/// fails part-way leaving no descriptor open.</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]
public sealed class VfioDeviceSetTests
{
    private static readonly ulong SmallPage = (ulong)DmaBuffer.SystemPageSize;

    private static bool KernelHasIommufdAndCdevs() => GuestKernel.Probe(KernelOffer.Iommufd).Present && GuestKernel.Probe(KernelOffer.VfioCdev).Present;

    private static void RequireIommufdAndCdevs()
    {
        GuestKernel.Require(KernelOffer.Iommufd);
        GuestKernel.Require(KernelOffer.VfioCdev);
    }

    [Fact]
    public void Without_a_choice_the_set_takes_iommufd_where_the_kernel_has_it_and_type1_elsewhere()
    {
        var expected = KernelHasIommufdAndCdevs() ? IommuBackend.Iommufd : IommuBackend.Type1;

        using var set = VfioDeviceSet.Open([QemuEduDevice.PciAddress]);

        Assert.Equal(expected, set.Backend);
        Assert.Equal(QemuEduDevice.PciAddress, Assert.Single(set.Devices).Pci.Address);
        Assert.Equal(QemuEduDevice.Group, set.Devices[0].IommuGroup);
    }

    [Fact]
    public void On_iommufd_the_set_has_an_IOAS_device_ids_and_hw_info_but_no_page_sizes()
    {
        RequireIommufdAndCdevs();

        using var set = VfioDeviceSet.Open([QemuEduDevice.CdevPath], IommuBackend.Iommufd);

        Assert.Same(set.Ioas, set.Mapper);
        Assert.NotNull(set.IommuFd);
        Assert.Null(set.Container);
        Assert.Empty(set.Groups);
        var device = Assert.Single(set.Devices);
        Assert.NotNull(device.IommufdDeviceId);
        Assert.Null(device.Group);
        Assert.NotNull(device.GetHwInfo()?.Vtd); // the main boot's VT-d
        Assert.Null(set.PageSizes);
        var (ranges, alignment) = set.GetIovaRanges();
        Assert.Equal(SmallPage, alignment);
        Assert.DoesNotContain(ranges, r => r.Contains(0xfee00000, 1)); // the device's MSI window is reserved
    }

    [Fact]
    public void Type1_asked_for_on_a_kernel_with_iommufd_puts_the_group_in_a_container_with_page_sizes_and_no_hw_info()
    {
        using var set = VfioDeviceSet.Open([QemuEduDevice.PciAddress], IommuBackend.Type1);

        Assert.Equal(IommuBackend.Type1, set.Backend);
        Assert.Same(set.Container, set.Mapper);
        Assert.Null(set.Ioas);
        Assert.Null(set.IommuFd);
        Assert.Equal(QemuEduDevice.Group, Assert.Single(set.Groups).Number);
        var device = Assert.Single(set.Devices);
        Assert.Null(device.IommufdDeviceId);
        Assert.Null(device.GetHwInfo());
        Assert.NotNull(set.PageSizes);
        Assert.True((set.PageSizes!.Value & SmallPage) != 0, $"type1 page sizes 0x{set.PageSizes:x} lack the 4 KiB page");
        var (ranges, alignment) = set.GetIovaRanges();
        Assert.Equal(SmallPage, alignment);
        Assert.DoesNotContain(ranges, r => r.Contains(0xfee00000, 1));
    }

    [Theory]
    [InlineData(IommuBackend.Iommufd)]
    [InlineData(IommuBackend.Type1)]
    public void Edu_DMA_round_trips_through_the_sets_mapper_and_is_blocked_after_unmap(IommuBackend backend)
    {
        if (backend == IommuBackend.Iommufd) RequireIommufdAndCdevs();
        using var set = VfioDeviceSet.Open([QemuEduDevice.PciAddress], backend);
        var device = set.Devices[0].Device;
        device.EnablePciBusMastering();
        using var bar0 = device.MapRegion(0);

        DmaRoundTripTests.RoundTrip(set.Mapper, bar0);
    }

    [Theory]
    [InlineData(IommuBackend.Iommufd)]
    [InlineData(IommuBackend.Type1)]
    public void Two_edu_devices_do_DMA_in_the_sets_one_address_space_through_a_DmaSpace_over_it(IommuBackend backend)
    {
        if (backend == IommuBackend.Iommufd) RequireIommufdAndCdevs();
        const int Length = QemuEduDevice.MaxTransfer;
        var edus = QemuEduDevice.Devices;
        Assert.True(edus.Count >= 2, $"the main boot starts two edu devices (run-in-vm --edu 2); found {edus.Count}");
        using var set = VfioDeviceSet.Open(edus.Take(2), backend);
        using var space = set.CreateDmaSpace();
        using var data = DmaBuffer.Allocate(Length);
        Random.Shared.NextBytes(data.Span[..Length]);
        var source = space.Acquire(data, 0, Length, DmaAccess.Read);

        // each device copies the same source into its own target: one mapping serves both
        foreach (var attached in set.Devices)
        {
            using var back = DmaBuffer.Allocate(Length);
            back.Span.Clear();
            var target = space.Acquire(back, 0, Length, DmaAccess.Write);
            Assert.True(source.Iova + Length <= 1 << 28 && target.Iova + Length <= 1 << 28, $"IOVAs 0x{source.Iova:x}, 0x{target.Iova:x} lie beyond edu's 28-bit DMA mask");
            attached.Device.EnablePciBusMastering();
            using (var bar0 = attached.Device.MapRegion(0))
            {
                var edu = new QemuEduDevice(bar0);
                edu.CopyToDevice(source.Iova, Length);
                edu.CopyFromDevice(target.Iova, Length);
            }
            space.Release(target);
            Assert.True(data.Span[..Length].SequenceEqual(back.Span[..Length]), $"{attached}: the bytes it wrote differ from what it read");
        }
        space.Release(source);
        Assert.Equal(0, space.Mappings);
    }

    [Fact]
    public void An_iommufd_Open_that_fails_at_bind_leaves_no_descriptor_open()
    {
        RequireIommufdAndCdevs();
        using var first = VfioDeviceSet.Open([QemuEduDevice.PciAddress], IommuBackend.Iommufd);
        var before = ProcessState.OpenIommuDescriptors();

        // a cdev binds once while it is open elsewhere: the second set's iommufd, IOAS and device fd must all go again
        var e = Assert.Throws<IommuException>(() => VfioDeviceSet.Open([QemuEduDevice.PciAddress], IommuBackend.Iommufd));

        Assert.Equal(nameof(Requests.VFIO_DEVICE_BIND_IOMMUFD), e.Operation);
        Assert.Equal(before, ProcessState.OpenIommuDescriptors());
    }

    [Fact]
    public void A_type1_Open_that_fails_at_the_group_leaves_no_descriptor_open()
    {
        using var first = VfioDeviceSet.Open([QemuEduDevice.PciAddress], IommuBackend.Type1);
        var before = ProcessState.OpenIommuDescriptors();

        // the group is open in the first set: the second set's container must be closed again
        var e = Assert.Throws<IommuEnvironmentException>(() => VfioDeviceSet.Open([QemuEduDevice.PciAddress], IommuBackend.Type1));

        Assert.Equal(Errno.EBUSY, e.Errno);
        Assert.Contains($"open VFIO group {QemuEduDevice.Group}: /dev/vfio/{QemuEduDevice.Group} is open already", e.Message);
        Assert.Equal(before, ProcessState.OpenIommuDescriptors());
    }

    [Fact]
    public void A_device_that_does_not_exist_fails_before_anything_opens()
    {
        var before = ProcessState.OpenIommuDescriptors();

        var e = Assert.Throws<IommuEnvironmentException>(() => VfioDeviceSet.Open([QemuEduDevice.PciAddress, "0000:00:1f.6"]));

        Assert.Contains("0000:00:1f.6: no such PCI device (/sys/bus/pci/devices/0000:00:1f.6)", e.Message);
        Assert.Equal(before, ProcessState.OpenIommuDescriptors());
    }

    [Fact]
    public void Disposing_the_set_closes_every_descriptor_it_opened()
    {
        var before = ProcessState.OpenIommuDescriptors();
        var set = VfioDeviceSet.Open(QemuEduDevice.Devices.Take(2));
        Assert.True(ProcessState.OpenIommuDescriptors() > before);

        set.Dispose();
        set.Dispose();

        Assert.Equal(before, ProcessState.OpenIommuDescriptors());
        Assert.Throws<ObjectDisposedException>(() => set.GetIovaRanges());
    }
}
