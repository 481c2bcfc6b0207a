using Linux.Iommu;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;
using Vm.Tests.Modes;
using Vm.Tests.Runtime;

namespace Vm.Tests.Planner;

/// <summary>QEMU as the oracle of the planner: in each emulated VT-d mode of the booted host, for each guest VT-d of
/// <see cref="QemuGuestVtd.Matrix"/>, the host's QEMU started in this guest as the VMM with edu assigned (legacy VFIO
/// container and iommufd) starts exactly where the planner, for the same spec and the same backend on this host, plans
/// Shadow or Nested, and refuses exactly where it plans Refused. The table of both answers is in docs/planner.md
/// (asserted against what each host mode measured) and in $VM_OUT/qemu-oracle.md.</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]
[Trait("Boot", "vtd-mode")] // and once in each other emulated VT-d mode
public sealed class QemuOracleTests
{
    private static readonly Lazy<IReadOnlyList<OracleRun>> Runs = new(Measure);

    [Fact]
    public void QEMU_as_the_VMM_starts_exactly_where_the_plan_is_Shadow_or_Nested_and_refuses_where_it_is_Refused()
    {
        QemuVmm.Require();
        var runs = Runs.Value;
        var disagreements = runs.Where(r => !r.Agree).Select(r =>
            $"host {VtdBootMode.Current}, guest intel-iommu,{r.Guest}, {r.Backend}:\n  QEMU {r.Qemu}\n    ({r.Qemu.Command})\n  plan {r.Plan}\n{r.Report}").ToList();
        Assert.True(disagreements.Count == 0, $"{disagreements.Count} of {runs.Count} runs disagree:\n{string.Join("\n", disagreements)}");
        // Agreement on one answer alone would prove nothing: QEMU really assigned edu somewhere, and refused somewhere.
        Assert.Contains(runs, r => r.Qemu.Started);
        Assert.Contains(runs, r => !r.Qemu.Started);
    }

    [Fact]
    public void The_table_in_docs_planner_md_is_what_this_host_mode_measured()
    {
        // The table has both backends: a kernel without iommufd runs only the legacy half, which the first test checks.
        GuestKernel.Require(KernelOffer.Iommufd);
        GuestKernel.Require(KernelOffer.VfioCdev);
        QemuVmm.Require();
        var measured = OracleTable.Rows(VtdBootMode.Current.ToString(), Runs.Value);
        var documented = OracleTable.Documented(VtdBootMode.Current.ToString());
        Assert.True(measured.SequenceEqual(documented),
            $"docs/planner.md's QEMU oracle rows for host {VtdBootMode.Current} differ from the measured ones; measured:\n{string.Join("\n", measured)}\n" +
            $"documented:\n{string.Join("\n", documented)}");
    }

    [Fact]
    public void Where_they_legitimately_differ_a_guest_listing_IOVAs_in_the_hosts_MSI_window_is_Refused_though_QEMU_starts_it()
    {
        // QEMU compares only aw-bits with the top of the host's IOVA space; the shadow engine could not map a listed range
        // the host reserves, so the planner checks every range the spec lists.
        QemuVmm.Require();
        var started = Runs.Value.Where(r => r.Qemu.Started).ToList();
        Assert.NotEmpty(started);
        foreach (var run in started)
        {
            var (spec, refusal) = run.Guest.LoadSpec(QemuGuestVtd.InterruptWindow);
            Assert.True(spec is not null, refusal?.Message);
            using var set = VfioDeviceSet.Open([QemuEduDevice.PciAddress], run.Backend);
            using var plan = new ViommuPlanner().Plan(spec, set);
            Assert.True(plan.Report.Decision == PlanDecision.Refused, $"intel-iommu,{run.Guest} on {run.Backend}, which QEMU starts:\n{plan.Report.Describe()}");
            Assert.Equal([RequirementId.ShadowIovaRange], plan.Report.Failures(PlanDecision.Shadow).Select(f => f.Requirement.Id).Distinct());
        }
    }

    /// <summary>The legacy container on every kernel, iommufd where the kernel has it with VFIO cdevs (QEMU's
    /// <c>iommufd=</c> opens the device's cdev).</summary>
    private static IommuBackend[] Backends =>
        GuestKernel.Probe(KernelOffer.Iommufd).Present && GuestKernel.Probe(KernelOffer.VfioCdev).Present
            ? [IommuBackend.Type1, IommuBackend.Iommufd]
            : [IommuBackend.Type1];

    private static List<OracleRun> Measure()
    {
        var runs = new List<OracleRun>();
        var edu = QemuEduDevice.PciAddress;
        var backends = Backends;
        foreach (var guest in QemuGuestVtd.Matrix)
        {
            foreach (var backend in backends)
            {
                // The plan's devices are closed before QEMU opens them: a VFIO group has one user at a time.
                var (decision, plan, report) = PlanFor(guest, edu, backend);
                var qemu = QemuVmm.Start(guest, edu, backend);
                var run = new OracleRun(guest, backend, qemu, decision, plan, report);
                TestContext.Current.TestOutputHelper?.WriteLine($"{VtdBootMode.Current} | intel-iommu,{guest} | {backend}: QEMU {qemu}; plan {plan}{(run.Agree ? "" : " DISAGREE")}");
                runs.Add(run);
            }
        }
        if (Environment.GetEnvironmentVariable("VM_OUT") is { Length: > 0 } output)
            File.WriteAllLines(Path.Combine(output, "qemu-oracle.md"), OracleTable.Rows(VtdBootMode.Current.ToString(), runs));
        return runs;
    }

    /// <summary>The planner's decision for <paramref name="guest"/>'s spec with edu opened on <paramref name="backend"/>,
    /// its short form for the table, and the whole report; a spec the loader refuses is Refused with the loader's reason.</summary>
    private static (PlanDecision Decision, string Plan, string Report) PlanFor(QemuGuestVtd guest, string edu, IommuBackend backend)
    {
        var (spec, refusal) = guest.LoadSpec();
        if (spec is null) return (PlanDecision.Refused, $"Refused: spec {refusal!.Field}", refusal.Message);
        using var set = VfioDeviceSet.Open([edu], backend);
        using var plan = new ViommuPlanner().Plan(spec, set);
        var report = plan.Report;
        var failed = report.Failures(PlanDecision.Shadow).Select(f => f.Requirement.Id).Distinct();
        return (report.Decision, report.Decision == PlanDecision.Refused ? $"Refused: {string.Join(", ", failed)}" : report.Decision.ToString(), report.Describe());
    }
}

/// <summary>One guest VT-d on one backend: what QEMU did and what the planner decided.</summary>
internal sealed record OracleRun(QemuGuestVtd Guest, IommuBackend Backend, QemuOutcome Qemu, PlanDecision Decision, string Plan, string Report)
{
    public bool Agree => Qemu.Started == (Decision is PlanDecision.Shadow or PlanDecision.Nested);
}
