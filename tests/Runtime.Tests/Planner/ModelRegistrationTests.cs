using Linux.Iommu.Native;
using Linux.Iommu.Planner;
using Linux.Iommu.Testing;

namespace Linux.Iommu.Tests.Planner;

/// <summary>Which models a planner knows: the built-in ones always, plug-ins when given, never two of one name.</summary>
public class ModelRegistrationTests
{
    [Fact]
    public void A_planner_knows_the_built_in_models_then_its_plug_ins()
    {
        Assert.Equal(["intel-vtd", "arm-smmuv3", "amd-vi"], new ViommuPlanner().Models.Select(m => m.Name));
        Assert.Equal(["intel-vtd", "arm-smmuv3", "amd-vi", "selftest-mock"], MockPlanning.Planner().Models.Select(m => m.Name));
    }

    [Fact]
    public void A_plug_in_named_like_a_built_in_model_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => new ViommuPlanner(new ImpostorModel()));

        Assert.Contains("two models are named 'intel-vtd'", e.Message);
    }

    [Fact]
    public void Host_passthrough_of_an_IOMMU_no_model_nests_on_names_its_type()
    {
        var unknown = HwInfo.Decode((HwInfoType)0xfeedbeef, [1, 2, 3, 4], 0, 0);

        var e = Assert.Throws<InvalidOperationException>(() => HostPassthrough.Derive(unknown, RecordedHosts.X86Ioas));
        Assert.Contains("type 0xfeedbeef", e.Message);
    }

    /// <summary>A plug-in that claims VT-d's name; registering it is what the test checks, so it does nothing else.</summary>
    private sealed record ImpostorModel : ViommuModel
    {
        public override string Name => "intel-vtd";

        public override HwInfoType HostType => (HwInfoType)0xfeedbeef;

        public override GuestViommuSpec PassThrough(HwInfo host) => throw new NotSupportedException();

        public override NestedSetup AllocateNested(IommuFd iommu, Ioas ioas, uint deviceId, GuestViommuSpec spec) => throw new NotSupportedException();

        public override GuestPageTableFormat? ShadowFormat(GuestViommuSpec spec, out string tables)
        {
            tables = "none";
            return null;
        }
    }
}
