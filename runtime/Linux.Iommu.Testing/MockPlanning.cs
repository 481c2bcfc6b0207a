using Linux.Iommu.Planner;

namespace Linux.Iommu.Testing;

/// <summary>The selftest mock as a planner device: the Nested branch of the planner, exercised on any machine that runs
/// our test kernel (CONFIG_IOMMUFD_TEST), since no emulated IOMMU here can nest.</summary>
public static class MockPlanning
{
    /// <summary>The mock device for <see cref="ViommuPlanner.Plan(GuestViommuSpec, IommuFd, Ioas, IReadOnlyList{PlannedDevice})"/>:
    /// attach is IOMMU_TEST_OP_MOCK_DOMAIN_REPLACE; the mock has no detach, so detaching puts it back on
    /// <paramref name="home"/> (its IOAS).</summary>
    public static PlannedDevice AsPlannedDevice(this MockDevice device, IommuFd iommu, Ioas home, string name = "selftest mock") =>
        new(name, device.IdevId,
            pageTable => SelftestMock.MockDomainReplace(iommu, device, pageTable),
            () => SelftestMock.MockDomainReplace(iommu, device, home.Id));

    /// <summary>A planner that knows the <c>selftest-mock</c> model (<see cref="SelftestMockModel"/>).</summary>
    public static ViommuPlanner Planner() => new(SelftestMockModel.Instance);
}
