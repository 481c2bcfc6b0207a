using Linux.Iommu;
using Linux.Iommu.DriverKit;
using Vm.Tests.Interrupts;
using Vm.Tests.Runtime;

namespace Vm.Tests.FaultInjection;

/// <summary>Every allocation the kernel makes while the kit enables edu's interrupt (the eventfd, then
/// VFIO_DEVICE_SET_IRQS: vfio-pci's vector allocation, request_irq, the eventfd's context), failed in turn as
/// iommufd_fail_nth.c does, on both backends and both of edu's interrupts: a failure surfaces as an IommuException naming
/// eventfd or VFIO_DEVICE_SET_IRQS, and nothing is left armed — no vfio handler of edu in /proc/interrupts, no eventfd
/// left open, and the device takes another index at once (vfio-pci refuses one while any is enabled).</summary>
[Collection(FailNthCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]
public sealed class InterruptFailNthTests
{
    private sealed class Fixture : IDisposable
    {
        public readonly EduSet Rig;
        public readonly int EventFdsBefore = ProcessState.OpenEventFds();
        public DeviceInterrupts? Interrupts;

        public Fixture(IommuBackend backend) => Rig = EduSet.Open(backend);

        public VfioDevice Device => Rig.Set.Devices[0].Device;

        public void Dispose()
        {
            Interrupts?.Dispose();
            Rig.Dispose();
        }
    }

    [Theory]
    [InlineData(IommuBackend.Iommufd, VfioIrqIndex.Msi)]
    [InlineData(IommuBackend.Iommufd, VfioIrqIndex.Intx)]
    [InlineData(IommuBackend.Type1, VfioIrqIndex.Msi)]
    [InlineData(IommuBackend.Type1, VfioIrqIndex.Intx)]
    public void Enable_leaves_nothing_armed_at_every_failed_kernel_allocation(IommuBackend backend, VfioIrqIndex index)
    {
        // fault injection is built into the kernels with iommufd here (tests/vm/iommufd.config); Debian's have neither
        GuestKernel.Require(KernelOffer.Iommufd);
        var other = index == VfioIrqIndex.Msi ? VfioIrqIndex.Intx : VfioIrqIndex.Msi;
        var result = FailNthSweep.Run(
            () => new Fixture(backend),
            f => f.Interrupts = DeviceInterrupts.Enable(f.Device, index),
            (f, error) =>
            {
                if (error is null)
                {
                    Assert.Single(ProcessState.VfioInterrupts(EduInterrupts.PciAddress));
                    f.Interrupts!.Dispose();
                }
                else
                {
                    var failure = Assert.IsType<IommuException>(error);
                    Assert.Contains(failure.Operation, new[] { "eventfd", "VFIO_DEVICE_SET_IRQS" });
                    Assert.Null(f.Interrupts);
                }
                Assert.Empty(ProcessState.VfioInterrupts(EduInterrupts.PciAddress));
                Assert.Equal(f.EventFdsBefore, ProcessState.OpenEventFds());
                using (DeviceInterrupts.Enable(f.Device, other)) Assert.Single(ProcessState.VfioInterrupts(EduInterrupts.PciAddress));
                Assert.Empty(ProcessState.VfioInterrupts(EduInterrupts.PciAddress));
            });

        FailNthTests.Report($"DeviceInterrupts.Enable({VfioIrqInfo.Name(index)}, {backend})", result);
    }
}
