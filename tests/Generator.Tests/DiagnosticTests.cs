using Linux.Iommu.Interop.Generator.Tests.Support;
using Microsoft.CodeAnalysis;
using static Linux.Iommu.Interop.Generator.Tests.Support.TinyModel;

namespace Linux.Iommu.Interop.Generator.Tests;

/// <summary>Bad input gets its diagnostic, on the line at fault, and never a crash or half a file.</summary>
public class DiagnosticTests
{
    private static readonly string Alloc = Record("tiny_alloc", 16, 8, Field("size", 0, U32) + "," + Field("flags", 4, U32) + "," + Field("out_id", 8, U64));

    private static Diagnostic Single(GeneratorHarness.Result result, string id)
    {
        Assert.Equal([id], result.GeneratorDiagnostics.Select(d => d.Id));
        return result.GeneratorDiagnostics[0];
    }

    private static GeneratorHarness.Result Run(string model, string list) => new GeneratorHarness().Model(ModelPath, model).List(list).Run();

    [Fact]
    public void Malformed_json_is_reported_at_its_line()
    {
        var model = Build(records: Alloc).Replace("\"flags\", \"offset\"", "\"flags\" \"offset\"");
        var d = Single(Run(model, "tiny_alloc"), "IOMMUGEN001");

        Assert.Contains("expected ',' or '}' after a property", d.GetMessage());
        Assert.Equal(ModelPath, d.Location.GetLineSpan().Path);
        Assert.Equal(Array.FindIndex(model.Split('\n'), l => l.Contains("\"flags\" \"offset\"")), d.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void A_missing_property_is_named_with_its_owner()
    {
        var model = Build(records: Alloc.Replace("\"size\": 16, ", ""));
        var d = Single(Run(model, "tiny_alloc"), "IOMMUGEN001");

        Assert.Contains("missing property 'size' in 'tiny_alloc'", d.GetMessage());
        Assert.DoesNotContain(new GeneratorHarness().Model(ModelPath, model).List("tiny_alloc").Run().HintNames, h => h.StartsWith("Struct.", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_name_is_reported_on_its_list_line_with_a_suggestion()
    {
        var d = Single(Run(Build(records: Alloc), "// wanted\ntiny_alloc\ntiny_aloc\n"), "IOMMUGEN002");

        Assert.Equal("'tiny_aloc' matches nothing in the tiny x86_64 model - did you mean 'tiny_alloc'?", d.GetMessage());
        Assert.Equal("/project/IommuInterop.txt", d.Location.GetLineSpan().Path);
        Assert.Equal(2, d.Location.GetLineSpan().StartLinePosition.Line);
    }

    [Fact]
    public void A_wildcard_that_matches_nothing_is_reported_too()
    {
        var d = Single(Run(Build(records: Alloc), "VFIO_*"), "IOMMUGEN002");
        Assert.StartsWith("'VFIO_*' matches nothing", d.GetMessage());
    }

    [Fact]
    public void A_model_for_another_architecture_is_refused()
    {
        var result = new GeneratorHarness().Model(ModelPath, Build(records: Alloc, arch: "aarch64")).List("tiny_alloc").Property("IommuInteropArch", "x86_64").Run();
        var d = Single(result, "IOMMUGEN003");

        Assert.Contains("No ABI model for architecture 'x86_64'", d.GetMessage());
        Assert.Contains("tiny.json (tiny aarch64)", d.GetMessage());
    }

    [Fact]
    public void The_target_runtime_identifier_picks_the_architecture()
    {
        var result = new GeneratorHarness().Model(ModelPath, Build(records: Alloc, arch: "aarch64")).List("tiny_alloc").Property("RuntimeIdentifier", "linux-arm64").Run();

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Contains("Struct.tiny_alloc.g.cs", result.HintNames);
    }

    [Fact]
    public void An_alignment_dotnet_cannot_state_is_inexpressible_and_emits_no_file()
    {
        var d = Single(Run(Build(records: Record("tiny_wide", 32, 16, Field("x", 0, U64))), "tiny_wide"), "IOMMUGEN004");

        Assert.Contains("'tiny_wide' cannot be generated: its C alignment is 16", d.GetMessage());
        Assert.Equal(ModelPath, d.Location.GetLineSpan().Path);
    }

    [Fact]
    public void A_bitfield_straddling_its_storage_unit_is_inexpressible()
    {
        var model = Build(records: Record("tiny_straddle", 8, 1, Field("odd", 0, U32, ", \"bitOffset\": 30, \"bitWidth\": 4"), extra: "\"packed\": true, "));
        var result = Run(model, "tiny_straddle");
        var d = Single(result, "IOMMUGEN004");

        Assert.Contains("straddles", d.GetMessage());
        Assert.DoesNotContain("Struct.tiny_straddle.g.cs", result.HintNames);
    }

    [Fact]
    public void An_empty_list_warns()
    {
        var d = Single(Run(Build(records: Alloc), "// nothing yet\n\n"), "IOMMUGEN005");
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
    }

    [Fact]
    public void An_ioctl_whose_struct_is_missing_is_reported()
    {
        var d = Single(Run(Build(ioctls: Ioctl("TINY_ALLOC", 0x3b81, "tiny_alloc")), "TINY_ALLOC"), "IOMMUGEN006");
        Assert.Equal("The ioctl 'TINY_ALLOC' takes struct 'tiny_alloc', which the model does not define", d.GetMessage());
    }

    [Fact]
    public void A_field_whose_type_is_missing_is_reported()
    {
        var model = Build(records: Record("tiny_outer", 8, 8, Field("inner", 0, """{ "kind": "record", "c": "struct tiny_gone", "size": 8, "align": 8, "name": "tiny_gone" }""")));
        var d = Single(Run(model, "tiny_outer"), "IOMMUGEN007");
        Assert.Equal("The field 'tiny_outer.inner' has type 'struct tiny_gone', which the model does not define", d.GetMessage());
    }

    [Fact]
    public void A_size_smaller_than_the_fields_is_reported()
    {
        var result = Run(Build(records: Alloc.Replace("\"size\": 16", "\"size\": 12")), "tiny_alloc");
        var d = Single(result, "IOMMUGEN008");

        Assert.Equal("'tiny_alloc' is 12 bytes in the model but its field 'out_id' ends at byte 16", d.GetMessage());
        Assert.DoesNotContain("Struct.tiny_alloc.g.cs", result.HintNames);
    }

    [Fact]
    public void A_model_without_a_list_says_which_file_to_create_and_where()
    {
        var result = new GeneratorHarness().Model(ModelPath, Build(records: Alloc)).Property("ProjectDir", "/src/App/").Run();
        var d = Single(result, "IOMMUGEN009");

        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Equal(Location.None, d.Location);
        Assert.StartsWith("No opt-in list: create '/src/App/IommuInterop.txt' (IommuInterop.txt in the project directory) with the kernel names", d.GetMessage());
    }

    [Fact]
    public void A_list_without_any_model_is_an_error_not_silence()
    {
        var d = Single(new GeneratorHarness().List("tiny_alloc").Run(), "IOMMUGEN003");
        Assert.StartsWith("No ABI model for architecture 'x86_64' was given (models found: none)", d.GetMessage());
    }

    [Theory]
    [InlineData("linux-6.13", "")]
    [InlineData("7.3", " - did you mean 'linux-7.3'?")]
    public void An_unknown_kernel_names_the_kernels_there_are(string kernel, string hint)
    {
        // What the package's targets pass when IommuInteropKernel names no folder of its models: no model arrives.
        var result = new GeneratorHarness().List("IOMMU_IOAS_ALLOC")
            .Property("IommuInteropKernel", kernel).Property("IommuInteropKernels", "linux-7.3/,iommufd-test-7.3/,linux-6.12/").Run();
        var d = Single(result, "IOMMUGEN012");

        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal(Location.None, d.Location);
        Assert.Equal($"IommuInteropKernel '{kernel}' names no kernel whose models this package has; set it to one of: iommufd-test-7.3, linux-6.12, linux-7.3{hint}", d.GetMessage());
    }

    [Fact]
    public void A_known_kernel_passes_the_check()
    {
        var result = new GeneratorHarness().Model(ModelPath, Build(records: Alloc)).List("tiny_alloc")
            .Property("IommuInteropKernel", "linux-7.3").Property("IommuInteropKernels", "linux-6.12/,linux-7.3/").Run();
        Assert.Empty(result.GeneratorDiagnostics);
    }

    [Theory]
    [InlineData("RuntimeIdentifier", "linux-arm")]
    [InlineData("RuntimeIdentifier", "linux-x86")]
    [InlineData("RuntimeIdentifier", "linux-musl-arm")]
    [InlineData("PlatformTarget", "x86")]
    [InlineData("IommuInteropArch", "i686")]
    public void A_32_bit_target_is_refused_not_given_x86_64_layouts(string property, string value)
    {
        var result = new GeneratorHarness().Model(ModelPath, Build(records: Alloc)).List("tiny_alloc").Property(property, value).Run();
        var d = Single(result, "IOMMUGEN013");

        Assert.Equal(Location.None, d.Location);
        Assert.StartsWith($"The target '{value}' (from {property}) is 32-bit: the ABI models describe 64-bit x86_64 and aarch64 only", d.GetMessage());
        Assert.DoesNotContain("Struct.tiny_alloc.g.cs", result.HintNames);
    }

    [Fact]
    public void A_32_bit_runtime_identifier_is_refused_even_with_an_explicit_architecture()
    {
        var result = new GeneratorHarness().Model(ModelPath, Build(records: Alloc)).List("tiny_alloc")
            .Property("IommuInteropArch", "x86_64").Property("RuntimeIdentifier", "linux-x86").Run();
        Assert.Contains("'linux-x86' (from RuntimeIdentifier)", Single(result, "IOMMUGEN013").GetMessage());
    }

    [Theory]
    [InlineData("IommuInteropArch", "arm64")]
    [InlineData("IommuInteropArch", "AArch64")]
    [InlineData("PlatformTarget", "ARM64")]
    [InlineData("RuntimeIdentifier", "linux-musl-arm64")]
    public void Arm64_spellings_pick_the_aarch64_model(string property, string value)
    {
        var result = new GeneratorHarness().Model(ModelPath, Build(records: Alloc, arch: "aarch64")).List("tiny_alloc").Property(property, value).Run();

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Contains("Struct.tiny_alloc.g.cs", result.HintNames);
    }

    [Fact]
    public void Two_models_for_one_architecture_are_refused()
    {
        var result = new GeneratorHarness().Model(ModelPath, Build(records: Alloc)).Model("/project/other.json", Build(records: Alloc)).List("tiny_alloc").Run();
        Assert.Contains("/project/other.json", Single(result, "IOMMUGEN010").GetMessage());
    }

    [Fact]
    public void An_unknown_architecture_property_is_refused()
    {
        var result = new GeneratorHarness().Model(ModelPath, Build(records: Alloc)).List("tiny_alloc").Property("IommuInteropArch", "riscv64").Run();
        var d = Single(result, "IOMMUGEN011");

        Assert.Equal(Location.None, d.Location);
        Assert.Equal("The target architecture 'riscv64' (from IommuInteropArch) has no ABI model: the models describe x86_64 and aarch64 (IommuInteropArch also accepts x64, amd64, arm64)", d.GetMessage());
    }

    [Fact]
    public void A_runtime_identifier_of_another_architecture_is_refused_not_given_x86_64_layouts()
    {
        var result = new GeneratorHarness().Model(ModelPath, Build(records: Alloc)).List("tiny_alloc").Property("RuntimeIdentifier", "linux-riscv64").Run();
        Assert.Contains("'linux-riscv64' (from RuntimeIdentifier)", Single(result, "IOMMUGEN011").GetMessage());
    }

    [Fact]
    public void A_class_prefix_that_makes_no_identifier_is_refused()
    {
        var result = new GeneratorHarness().Model(ModelPath, Build(records: Alloc)).List("tiny_alloc").Property("IommuInteropClassPrefix", "9x").Run();
        var d = Single(result, "IOMMUGEN014");

        Assert.Equal(Location.None, d.Location);
        Assert.Equal("IommuInteropClassPrefix '9x' does not start a C# identifier ('9xIoctls'); use letters, digits and '_'", d.GetMessage());
    }

    [Fact]
    public void An_error_types_option_that_is_none_of_public_internal_none_is_refused()
    {
        var result = new GeneratorHarness().Model(ModelPath, Build(records: Alloc)).List("tiny_alloc").Property("IommuInteropErrorTypes", "shared").Run();
        var d = Single(result, "IOMMUGEN015");

        Assert.Equal(Location.None, d.Location);
        Assert.Equal("IommuInteropErrorTypes 'shared' is none of public, internal or none", d.GetMessage());
    }

    [Fact]
    public void Every_diagnostic_id_is_tracked_in_the_release_files()
    {
        var unshipped = File.ReadAllText(Path.Combine(Repo.Root, "generator", "Generator", "AnalyzerReleases.Unshipped.md"));
        var ids = typeof(IommuInteropGenerator).Assembly.GetType("Linux.Iommu.Interop.Generator.Diagnostics")!
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id).ToList();

        Assert.Equal(15, ids.Count);
        Assert.All(ids, id => Assert.Contains($"{id} | IommuInterop", unshipped));
    }
}
