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
    public void A_model_without_a_list_warns_that_nothing_is_generated()
    {
        var result = new GeneratorHarness().Model(ModelPath, Build(records: Alloc)).Run();
        Assert.Equal(DiagnosticSeverity.Warning, Single(result, "IOMMUGEN009").Severity);
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
        Assert.Contains("'riscv64'", Single(result, "IOMMUGEN011").GetMessage());
    }

    [Fact]
    public void Every_diagnostic_id_is_tracked_in_the_release_files()
    {
        var unshipped = File.ReadAllText(Path.Combine(Repo.Root, "generator", "Generator", "AnalyzerReleases.Unshipped.md"));
        var ids = typeof(IommuInteropGenerator).Assembly.GetType("Linux.Iommu.Interop.Generator.Diagnostics")!
            .GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Select(f => ((DiagnosticDescriptor)f.GetValue(null)!).Id).ToList();

        Assert.Equal(11, ids.Count);
        Assert.All(ids, id => Assert.Contains($"{id} | IommuInterop", unshipped));
    }
}
