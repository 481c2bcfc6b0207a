using Linux.Iommu.Planner;
using Linux.Iommu.Testing;

namespace Linux.Iommu.Tests.Planner;

/// <summary>A malformed or contradictory spec is refused naming the field, before anything touches a device.</summary>
public class SpecLoaderTests
{
    private const string Valid = """
        { "model": "intel-vtd", "inputAddressWidth": 48, "pageSizes": ["4K", "2M"],
          "iovaRanges": [{ "start": "0x0", "last": "0xfedfffff" }], "vtd": { "firstStage1GiBPages": false } }
        """;

    private static SpecException Refused(string json) => Assert.Throws<SpecException>(() => SpecLoader.Parse(json));

    [Fact]
    public void A_valid_spec_loads_with_sizes_and_ranges_parsed()
    {
        var spec = SpecLoader.Parse(Valid);

        Assert.Equal((new IntelVtdModel(), 48, 4096UL), (spec.Model, spec.InputAddressWidth, spec.SmallestPageSize));
        Assert.Equal([4096UL, 2UL << 20], spec.PageSizes);
        Assert.Equal(new IovaRange(0, 0xfedfffff), Assert.Single(spec.IovaRanges));
        Assert.True(spec.Migratable);
    }

    [Fact]
    public void A_page_size_that_is_not_a_power_of_two_is_named()
    {
        var e = Refused(Valid.Replace("\"2M\"", "3000"));
        Assert.Equal(("pageSizes[1]", "3000 is not a power of two of at least 4096"), (e.Field, e.Problem));
        Assert.Equal("vIOMMU spec: pageSizes[1]: 3000 is not a power of two of at least 4096", e.Message);
    }

    [Fact]
    public void Overlapping_ranges_are_named()
    {
        var e = Refused(Valid.Replace("""[{ "start": "0x0", "last": "0xfedfffff" }]""", """[{ "start": "0x0", "last": "0x2fff" }, { "start": "0x1000", "last": "0x1fff" }]"""));
        Assert.Equal("iovaRanges[1]", e.Field);
        Assert.Contains("overlaps iovaRanges[0]", e.Message);
    }

    [Fact]
    public void A_range_beyond_the_address_width_is_named()
    {
        var e = Refused(Valid.Replace("\"0xfedfffff\"", "\"0x1000000000000\""));
        Assert.Equal("iovaRanges[0]", e.Field);
        Assert.Contains("beyond the 48-bit input address width", e.Message);
    }

    [Fact]
    public void An_unknown_model_lists_the_known_ones()
    {
        var e = Refused(Valid.Replace("intel-vtd", "riscv-iommu"));
        Assert.Equal("vIOMMU spec: model: unknown model 'riscv-iommu' (known: intel-vtd, arm-smmuv3, amd-vi)", e.Message);
    }

    [Fact]
    public void The_selftest_mock_model_is_known_only_with_its_extension_registered()
    {
        var mock = Valid.Replace("intel-vtd", "selftest-mock").Replace(", \"vtd\": { \"firstStage1GiBPages\": false }", "");

        Assert.Equal("model", Refused(mock).Field);
        var spec = SpecLoader.Parse(mock, [SelftestMockModel.Instance]);
        Assert.Same(SelftestMockModel.Instance, spec.Model);
        Assert.Equal("selftest-mock", spec.Model.Name);
    }

    [Fact]
    public void An_unknown_field_inside_a_model_block_is_named_with_its_path()
    {
        Assert.Equal("vtd.firstStage1GibPages", Refused(Valid.Replace("\"firstStage1GiBPages\"", "\"firstStage1GibPages\"")).Field);
    }

    [Fact]
    public void An_unknown_field_is_refused_rather_than_ignored()
    {
        Assert.Equal("pagesizes", Refused(Valid.Replace("\"pageSizes\"", "\"pagesizes\"")).Field);
    }

    [Fact]
    public void A_reversed_range_and_a_missing_field_are_named()
    {
        Assert.Equal("iovaRanges[0]", Refused(Valid.Replace("\"0x0\"", "\"0xfee00000\"")).Field);
        Assert.Equal("inputAddressWidth", Refused(Valid.Replace("\"inputAddressWidth\": 48,", "")).Field);
    }

    [Fact]
    public void Model_specific_blocks_must_match_the_model()
    {
        Assert.Equal("vtd", Refused(Valid.Replace("intel-vtd", "amd-vi")).Field);
        Assert.Equal("smmuv3", Refused(Valid.Replace("intel-vtd", "arm-smmuv3").Replace(", \"vtd\": { \"firstStage1GiBPages\": false }", "")).Field);
    }

    [Fact]
    public void A_model_refuses_a_guest_no_such_IOMMU_can_be()
    {
        var smmu = Valid.Replace("intel-vtd", "arm-smmuv3").Replace("\"vtd\": { \"firstStage1GiBPages\": false }", "\"smmuv3\": { \"outputAddressBits\": 46 }");

        var e = Refused(smmu);
        Assert.Equal(("smmuv3.outputAddressBits", "46 is not an SMMUv3 OAS (32, 36, 40, 42, 44, 48, 52)"), (e.Field, e.Problem));
        Assert.Equal(new ArmSmmuV3Model(OutputAddressBits: 48), SpecLoader.Parse(smmu.Replace("46", "48")).Model);
    }

    [Fact]
    public void The_VTd_stage_and_caching_mode_are_read_from_the_vtd_block_and_default_to_QEMUs()
    {
        var both = SpecLoader.Parse(Valid.Replace("\"firstStage1GiBPages\": false", "\"firstStage\": true, \"cachingMode\": true"));

        Assert.Equal(new IntelVtdModel(FirstStage: true, CachingMode: true), both.Model);
        Assert.Equal((false, false), SpecLoader.Parse(Valid).Model is IntelVtdModel m ? (m.FirstStage, m.CachingMode) : default);
        Assert.Equal("vtd.cachingMode", Refused(Valid.Replace("\"firstStage1GiBPages\": false", "\"cachingMode\": 1")).Field);
    }

    [Theory]
    [InlineData(false, 39)]
    [InlineData(false, 48)]
    [InlineData(false, 57)]
    [InlineData(true, 48)]
    [InlineData(true, 57)]
    public void A_VTd_guest_loads_with_a_width_its_tables_have(bool firstStage, int width)
    {
        var spec = SpecLoader.Parse(VtdGuest(firstStage, width));

        Assert.Equal((firstStage, width), (((IntelVtdModel)spec.Model).FirstStage, spec.InputAddressWidth));
    }

    [Theory]
    [InlineData(false, 40, "40 bits is no width of VT-d second-stage tables (3-, 4- or 5-level): 39, 48, 57")]
    [InlineData(false, 64, "64 bits is no width of VT-d second-stage tables (3-, 4- or 5-level): 39, 48, 57")]
    [InlineData(true, 39, "39 bits is no width of VT-d first-stage tables (4- or 5-level): 48, 57")]
    public void A_VTd_guest_with_a_width_its_tables_cannot_have_is_refused(bool firstStage, int width, string problem)
    {
        var e = Refused(VtdGuest(firstStage, width));

        Assert.Equal(("inputAddressWidth", problem), (e.Field, e.Problem));
    }

    [Fact]
    public void A_VTd_guest_with_first_stage_tables_needs_scalable_mode()
    {
        var e = Refused(Valid.Replace("\"firstStage1GiBPages\": false", "\"firstStage\": true, \"scalableMode\": false"));

        Assert.Equal(("vtd.firstStage", "first-stage tables need scalable mode (vtd.scalableMode)"), (e.Field, e.Problem));
    }

    private static string VtdGuest(bool firstStage, int width) =>
        Valid.Replace("\"inputAddressWidth\": 48", $"\"inputAddressWidth\": {width}").Replace("\"firstStage1GiBPages\": false", $"\"firstStage\": {(firstStage ? "true" : "false")}");

    [Fact]
    public void Every_example_spec_in_the_repository_loads()
    {
        var dir = global::Iommu.Tests.Shared.RepositoryRoot.Combine("examples", "specs");
        var files = Directory.GetFiles(dir, "*.json");
        Assert.NotEmpty(files);
        Assert.All(files, f => SpecLoader.Load(f, [SelftestMockModel.Instance]));
    }
}
