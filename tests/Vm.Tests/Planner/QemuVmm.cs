using System.Diagnostics;
using System.Text.RegularExpressions;
using Linux.Iommu;
using Linux.Iommu.Testing;

namespace Vm.Tests.Planner;

/// <summary>The host's QEMU started inside the guest as the VMM of a VM that gets a device assigned behind an emulated
/// VT-d, only as far as realizing the devices (<c>-S</c>: no vCPU runs, no guest boots): QEMU refuses an assignment it
/// cannot honour while it realizes the devices or when the machine is done, and exits with its error message.</summary>
internal static partial class QemuVmm
{
    public const string Binary = "qemu-system-x86_64";

    /// <summary>Returns when QEMU is on the PATH; otherwise ends the test as not applicable (in run-in-vm's x86 guest the
    /// root is the host's, so the host's QEMU is there).</summary>
    public static void Require()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, Binary)));
        if (!found) Assert.Skip($"{GuestKernel.NotApplicable} needs {Binary} on the PATH to run QEMU as the VMM, and this guest has none");
    }

    /// <summary>Starts QEMU with <paramref name="guest"/>'s intel-iommu and edu at <paramref name="pciAddress"/> assigned
    /// through <paramref name="backend"/>, asks its monitor for the PCI devices, and quits.</summary>
    public static QemuOutcome Start(QemuGuestVtd guest, string pciAddress, IommuBackend backend)
    {
        var vfio = $"vfio-pci,host={pciAddress}";
        string[] arguments =
        [
            "-S", "-nodefaults", "-display", "none", "-monitor", "stdio", "-machine", "q35,accel=tcg", "-m", "64M",
            "-device", $"intel-iommu,{guest.IntelIommuOptions}",
            .. backend == IommuBackend.Iommufd ? ["-object", "iommufd,id=iommufd0", "-device", $"{vfio},iommufd=iommufd0"] : new[] { "-device", vfio },
        ];
        var start = new ProcessStartInfo(Binary) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // Read only once the machine is done: the monitor answers after every device realized and every check ran.
        process.StandardInput.Write("info pci\nquit\n");
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"{Binary} {string.Join(' ', arguments)} neither started nor refused within 120 s:\n{stdout.Result}{stderr.Result}");
        }
        var command = $"{Binary} {string.Join(' ', arguments)}";
        var error = stderr.Result.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith($"{Binary}: ", StringComparison.Ordinal))
            .Select(l => l[(Binary.Length + 2)..]).Where(l => !l.StartsWith("vfio: Cannot reset device", StringComparison.Ordinal)).ToList();
        // Started: the monitor listed the assigned edu (QEMU's vendor and edu's device id) and QEMU quit on request.
        if (process.ExitCode == 0 && stdout.Result.Contains($"{QemuEduDevice.VendorId:x4}:{QemuEduDevice.DeviceId:x4}"))
            return new QemuOutcome(command, true, null);
        Assert.True(process.ExitCode == 1 && error.Count > 0,
            $"{command} neither started (the monitor lists the device, exit 0) nor refused with an error (exit 1): exit {process.ExitCode}\n{stdout.Result}{stderr.Result}");
        return new QemuOutcome(command, false, Normalize(error[^1], pciAddress));
    }

    /// <summary>The message without the option QEMU echoes before it and with the device's address named alike in every boot.</summary>
    private static string Normalize(string message, string pciAddress) =>
        OptionPrefix().Replace(message, "").Replace(pciAddress, "EDU");

    [GeneratedRegex(@"^-(device|object) \S+: ")]
    private static partial Regex OptionPrefix();
}

/// <summary>What QEMU did: started (the devices realized) or refused, with its message.</summary>
internal sealed record QemuOutcome(string Command, bool Started, string? Refusal)
{
    public override string ToString() => Started ? "starts" : $"refuses: {Refusal}";
}
