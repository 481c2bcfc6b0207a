using Linux.Iommu.Planner;
using Linux.Iommu.Testing;

namespace Linux.Iommu.Demo;

/// <summary>No emulated IOMMU here can nest, so the Nested branch runs on the kernel selftest's mock device
/// (CONFIG_IOMMUFD_TEST): real nest-parent and nested HWPTs, allocated by the kernel.</summary>
internal static class MockNesting
{
    public static bool Run(ViommuPlanner planner, GuestViommuSpec spec)
    {
        if (!IommufdSupport.Available)
        {
            Console.WriteLine("the selftest mock is an iommufd driver (CONFIG_IOMMUFD_TEST): not on this kernel, which has no iommufd");
            return true;
        }
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
            using var plan = planner.Plan(spec, iommu, ioas, [mock.AsPlannedDevice(iommu, ioas)]);
            Console.Write(plan.Report.Describe());
            if (plan.NestedOf("selftest mock") is { } nested)
                Console.WriteLine($"nested: nest-parent HWPT {nested.Parent.Id} on IOAS {ioas.Id}, nested HWPT {nested.Nested.Id}; the device is attached to the nest parent");
            return plan.Decision == PlanDecision.Nested;
        }
    }
}
