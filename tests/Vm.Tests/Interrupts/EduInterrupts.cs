using Linux.Iommu;
using Linux.Iommu.DriverKit;
using Linux.Iommu.Testing;
using Vm.Tests.Runtime;

namespace Vm.Tests.Interrupts;

/// <summary>edu on one backend with bus mastering on (MSI is a DMA write) and one interrupt index enabled through the kit.</summary>
internal sealed class EduInterrupts : IDisposable
{
    /// <summary>How long a test waits for an interrupt the device must raise: edu's DMA takes 100 ms of virtual time,
    /// the guest runs under TCG on a loaded host.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly DeviceRegion _bar0;

    public EduInterrupts(IommuBackend backend, VfioIrqIndex index)
    {
        Rig = EduSet.Open(backend);
        try
        {
            (Edu, _bar0) = Rig.OpenEdu();
            // edu keeps its registers across opens (it has no reset): causes an earlier test left are cleared first
            Edu.AcknowledgeInterrupt(uint.MaxValue);
            Interrupts = DeviceInterrupts.Enable(Device, index);
        }
        catch
        {
            _bar0?.Dispose();
            Rig.Dispose();
            throw;
        }
    }

    public EduSet Rig { get; }

    public VfioDevice Device => Rig.Set.Devices[0].Device;

    public static string PciAddress => QemuEduDevice.PciAddress;

    public QemuEduDevice Edu { get; }

    public DeviceInterrupts Interrupts { get; }

    public InterruptVector Vector => Interrupts[0];

    /// <summary>Awaits the vector with <see cref="Patience"/>: a missing interrupt fails the test instead of hanging it.</summary>
    public async Task<ulong> NextInterruptAsync(string cause)
    {
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            return await Vector.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new Xunit.Sdk.XunitException($"no {Interrupts} interrupt within {Patience.TotalSeconds} s after {cause} " +
                $"(edu interrupt status 0x{Edu.InterruptStatus:x}, /proc/interrupts: {string.Join(" | ", ProcessState.VfioInterrupts(PciAddress))})");
        }
    }

    /// <summary>Acknowledges <paramref name="cause"/> at the device, then lets an automasked vector fire again.</summary>
    public void Acknowledge(uint cause)
    {
        Edu.AcknowledgeInterrupt(cause);
        Interrupts.Unmask();
    }

    public void Dispose()
    {
        Interrupts.Dispose();
        _bar0.Dispose();
        Rig.Dispose();
    }
}
