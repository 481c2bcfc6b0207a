using Linux.Iommu.Native;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;

namespace Linux.Iommu.Cli;

/// <summary><c>iommu demo</c>: probe the host, then plan every example spec; for a Shadow plan on an edu device,
/// run a simulated guest's DMA through the shadow engine and show it blocked after the guest unmaps.</summary>
internal static class DemoCommand
{
    public static int Run(DirectoryInfo specs)
    {
        ProbeCommand.Run(null, null);
        var files = specs.GetFiles("*.json").OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        if (!IommufdSupport.Available) return LegacyDemo.Run(files);
        var failures = 0;
        foreach (var file in files)
        {
            var spec = PlanCommand.Planner.LoadSpec(file.FullName);
            Console.WriteLine();
            Console.WriteLine($"== plan {file.Name}: {Description(file)}");
            if (spec.Model is SelftestMockModel)
            {
                failures += MockNested(spec) ? 0 : 1;
                continue;
            }
            using var session = PlanSession.Open(PlanCommand.Planner, spec, HostDevices.Resolve(null));
            Console.Write(session.Plan.Report.Describe());
            if (session.Plan.Decision == PlanDecision.Shadow && IsEdu(session))
            {
                failures += ShadowDma(session.Ioas, session.Devices[0], session.Plan.Report.Spec) ? 0 : 1;
            }
        }
        return failures == 0 ? 0 : 1;
    }

    /// <summary>No emulated IOMMU here can nest, so the Nested branch runs on the kernel selftest's mock device
    /// (CONFIG_IOMMUFD_TEST): real nest-parent and nested HWPTs, allocated by the kernel.</summary>
    private static bool MockNested(GuestViommuSpec spec)
    {
        using var iommu = IommuFd.Open();
        using var ioas = iommu.AllocIoas();
        MockDevice mock;
        try
        {
            mock = SelftestMock.MockDomain(iommu, ioas);
        }
        catch (IommuException e)
        {
            Console.WriteLine($"no selftest mock on this kernel ({e.Message}): it needs CONFIG_IOMMUFD_TEST, as the test VM's kernel has");
            return true;
        }
        using (mock)
        {
            using var plan = PlanCommand.Planner.Plan(spec, iommu, ioas, [mock.AsPlannedDevice(iommu, ioas)]);
            Console.Write(plan.Report.Describe());
            if (plan.NestedOf("selftest mock") is { } nested)
                Console.WriteLine($"nested: nest-parent HWPT {nested.Parent.Id} on IOAS {ioas.Id}, nested HWPT {nested.Nested.Id}; the device is attached to the nest parent");
            return plan.Decision == PlanDecision.Nested;
        }
    }

    internal static string Description(FileInfo file) =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllText(file.FullName)).RootElement.TryGetProperty("description", out var d) ? d.GetString() ?? "" : "";

    private static bool IsEdu(PlanSession session)
    {
        try
        {
            return session.Plan.Devices.Count > 0 && session.Plan.Devices[0].Name.StartsWith(QemuEduDevice.CdevPath, StringComparison.Ordinal);
        }
        catch (InvalidOperationException)
        {
            return false; // no edu on this machine: the demo plans, but has no DMA engine to show the shadow with
        }
    }

    /// <summary>A guest maps one page at a guest IOVA; the edu device writes through it (the shadow engine mapping into
    /// <paramref name="mapper"/>: an IOAS, or a type1 container on a kernel without iommufd); the guest unmaps; the write faults.</summary>
    internal static bool ShadowDma(IDmaMapper mapper, VfioDevice device, GuestViommuSpec spec)
    {
        const ulong RamGpa = 0x8000_0000, SourceIova = 0x0100_0000, TargetIova = 0x0123_4000;
        const int Length = QemuEduDevice.MaxTransfer;
        device.EnablePciBusMastering();
        using var bar0 = device.MapRegion(0);
        var edu = new QemuEduDevice(bar0);
        using var ram = DmaBuffer.Allocate(4 << 20);
        var memory = new GuestMemory().Add(RamGpa, ram);
        var format = GuestPageTableFormat.For(spec, out var tables) ?? throw new InvalidOperationException($"a Shadow plan, but no walker for {tables}");
        var guest = new GuestPageTableBuilder(memory, RamGpa + (2 << 20), 1 << 20, format, spec.InputAddressWidth);
        var shadow = new ShadowEngine(mapper, memory, guest.Table);
        var source = ram.Span.Slice(0x10_0000, Length);
        var target = ram.Span.Slice(0x3000, Length);
        Random.Shared.NextBytes(source);
        target.Fill(0xEE);

        guest.Map(SourceIova, RamGpa + 0x10_0000, 4096, DmaAccess.Read);
        guest.Map(TargetIova, RamGpa + 0x3000, 4096, DmaAccess.ReadWrite); // stage-1 tables cannot say write-only
        shadow.InvalidateAll();
        edu.CopyToDevice(SourceIova, Length);
        edu.CopyFromDevice(TargetIova, Length);
        var landed = target.SequenceEqual(source);
        Console.WriteLine($"shadow DMA: guest maps IOVA 0x{TargetIova:x} -> GPA 0x{RamGpa + 0x3000:x}; edu writes {Length} bytes: {(landed ? "they landed in that guest page" : "THEY DID NOT ARRIVE")} ({shadow.Stats.MapIoctls} map ioctls)");

        guest.Unmap(TargetIova, 4096);
        shadow.Invalidate(TargetIova, 4096);
        target.Fill(0xEE);
        edu.CopyFromDevice(TargetIova, Length);
        var blocked = target.IndexOfAnyExcept((byte)0xEE) < 0;
        Console.WriteLine($"shadow DMA after the guest unmaps and invalidates: {(blocked ? "blocked by the IOMMU, guest memory untouched" : "REACHED MEMORY")}");
        guest.Unmap(SourceIova, 4096);
        shadow.InvalidateAll();
        return landed && blocked;
    }
}
