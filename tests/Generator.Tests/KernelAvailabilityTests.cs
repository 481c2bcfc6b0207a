using System.Reflection;
using Linux.Iommu.Interop.Generator.Availability;
using Linux.Iommu.Interop.Generator.Tests.Support;
using Microsoft.CodeAnalysis;
using static Linux.Iommu.Interop.Generator.Tests.Support.TinyModel;

namespace Linux.Iommu.Interop.Generator.Tests;

/// <summary>Availability from the committed models: the generated docs and the KernelAvailability table say which of
/// linux-6.1, linux-6.12 and linux-7.3 have an item and with which size, as the models say.</summary>
public class KernelAvailabilityTests
{
    private static readonly string[] Older = ["linux-6.1", "linux-6.12"];

    /// <summary>All of linux-7.3 (x86_64) generated, compared with the older sets: the runtime's own configuration.</summary>
    private static readonly Lazy<GeneratorHarness.Result> Linux73 = new(() =>
    {
        var harness = new GeneratorHarness().CommittedModel("linux-7.3", "x86_64").Property("IommuInteropArch", "x86_64").List("*");
        foreach (var set in Older) harness.ComparedCommittedModel(set, "x86_64");
        return harness.Run();
    });

    private static readonly Lazy<Type> Table = new(() =>
    {
        Assert.Empty(Linux73.Value.GeneratorDiagnostics);
        Assert.Empty(Linux73.Value.CompileDiagnostics);
        return Linux73.Value.Load().GetType("Linux.Iommu.KernelAvailability")!;
    });

    private static object? Call(string method, params object[] arguments)
    {
        try
        {
            return Table.Value.GetMethod(method, BindingFlags.Public | BindingFlags.Static)!.Invoke(null, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    private static string? Evidence(string name) => (string?)Call("Evidence", name);

    private static bool IsIn(string name, string set) => (bool)Call("IsIn", name, set)!;

    [Fact]
    public void The_table_lists_the_compared_kernels_oldest_first()
    {
        var sets = (IReadOnlyList<string>)Table.Value.GetProperty("KernelSets")!.GetValue(null)!;
        Assert.Equal(["linux-6.1", "linux-6.12", "linux-7.3"], sets);
    }

    [Theory]
    [InlineData("IOMMU_IOAS_MAP_FILE", "absent from linux-6.1 and linux-6.12, present in linux-7.3")] // 6.13
    [InlineData("IOMMU_VIOMMU_ALLOC", "absent from linux-6.1 and linux-6.12, present in linux-7.3")]
    [InlineData("iommu_viommu_alloc", "absent from linux-6.1 and linux-6.12, present in linux-7.3")]
    [InlineData("IOMMU_HW_CAP_PCI_ATS_NOT_SUPPORTED", "absent from linux-6.1 and linux-6.12, present in linux-7.3")]
    [InlineData("IOMMU_IOAS_MAP", "absent from linux-6.1, present in linux-6.12 and linux-7.3")] // iommufd arrived in 6.2
    [InlineData("iommu_hw_info", "absent from linux-6.1, present in linux-6.12 and linux-7.3")] // 40 bytes in both
    [InlineData("vfio_device_info", "present in linux-6.1 (20 bytes), linux-6.12 (24 bytes) and linux-7.3 (24 bytes)")] // grew by 'pad' in 6.x
    [InlineData("VFIO_DEVICE_BIND_IOMMUFD", "absent from linux-6.1, present in linux-6.12 and linux-7.3")] // the cdev, 6.6
    [InlineData("VFIO_IOMMU_MAP_DMA", null)]
    [InlineData("vfio_iommu_type1_dma_map", null)]
    public void Evidence_says_which_kernels_have_a_name_and_with_which_size(string name, string? evidence)
    {
        Assert.Equal(evidence, Evidence(name));
    }

    [Fact]
    public void IsIn_answers_per_kernel_set()
    {
        Assert.False(IsIn("IOMMU_IOAS_MAP_FILE", "linux-6.12"));
        Assert.True(IsIn("IOMMU_IOAS_MAP_FILE", "linux-7.3"));
        Assert.False(IsIn("IOMMU_IOAS_MAP", "linux-6.1"));
        Assert.True(IsIn("IOMMU_IOAS_MAP", "linux-6.12"));
        Assert.True(IsIn("VFIO_TYPE1v2_IOMMU", "linux-6.1"));
        Assert.True(IsIn("IOMMU_HWPT_ALLOC_NEST_PARENT", "linux-6.12")); // an enumerator
        Assert.False(IsIn("IOMMU_HWPT_ALLOC_PASID", "linux-6.12"));
    }

    [Fact]
    public void SizeIn_gives_a_structs_size_per_kernel_set()
    {
        int? SizeIn(string name, string set) => (int?)Call("SizeIn", name, set);
        Assert.Null(SizeIn("iommu_hw_info", "linux-6.1"));
        Assert.Equal(40, SizeIn("iommu_hw_info", "linux-6.12"));
        Assert.Equal(40, SizeIn("iommu_hw_info", "linux-7.3"));
        Assert.Equal(20, SizeIn("vfio_device_info", "linux-6.1"));
        Assert.Equal(24, SizeIn("vfio_device_info", "linux-6.12"));
        Assert.Equal(40, SizeIn("iommu_viommu_alloc", "linux-7.3"));
        Assert.Null(SizeIn("iommu_viommu_alloc", "linux-6.12"));
        Assert.Contains("'IOMMU_IOAS_MAP' is not a struct or union", Assert.Throws<ArgumentException>(() => SizeIn("IOMMU_IOAS_MAP", "linux-7.3")).Message);
    }

    [Fact]
    public void An_unknown_name_or_kernel_set_is_an_argument_error_naming_it()
    {
        var name = Assert.Throws<ArgumentException>(() => Evidence("IOMMU_NO_SUCH_IOCTL"));
        Assert.Contains("'IOMMU_NO_SUCH_IOCTL' is not a name these bindings were generated for", name.Message);
        var set = Assert.Throws<ArgumentException>(() => IsIn("IOMMU_IOAS_MAP", "linux-5.10"));
        Assert.Contains("'linux-5.10' is not a kernel set these bindings were compared with (linux-6.1, linux-6.12, linux-7.3)", set.Message);
    }

    [Fact]
    public void The_docs_of_each_item_say_where_it_is()
    {
        var result = Linux73.Value;
        Assert.Contains("Kernels: absent from linux-6.1 and linux-6.12, present in linux-7.3.", result.Source("Ioctl.IOMMU_IOAS_MAP_FILE.g.cs"));
        Assert.Contains("Kernels: present in every set compared (linux-6.1, linux-6.12 and linux-7.3).", result.Source("Ioctl.VFIO_IOMMU_MAP_DMA.g.cs"));
        var hwInfo = result.Source("Struct.iommu_hw_info.g.cs");
        Assert.Contains("40 bytes, aligned to 8. Kernels: absent from linux-6.1, present in linux-6.12 and linux-7.3.", hwInfo);
        // a field 7.3 added inside the struct's existing bytes (a union alias of out_data_type)
        Assert.Contains("C: <c>__u32</c> at offset 24. Kernels: absent from linux-6.1 and linux-6.12, present in linux-7.3.", hwInfo);
        Assert.Contains("Kernels: present in linux-6.1 (20 bytes), linux-6.12 (24 bytes) and linux-7.3 (24 bytes).", result.Source("Struct.vfio_device_info.g.cs"));
        Assert.Contains("Kernels: absent from linux-6.1 and linux-6.12, present in linux-7.3.", result.Source("Constants.g.cs"));
    }

    [Fact]
    public void Without_other_kernels_the_table_knows_one_set_and_the_docs_say_nothing()
    {
        var result = new GeneratorHarness().CommittedModel("linux-6.12", "x86_64").Property("IommuInteropArch", "x86_64").List("IOMMU_IOAS_MAP").Run();
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileDiagnostics);
        Assert.DoesNotContain("Kernels:", result.Source("Ioctl.IOMMU_IOAS_MAP.g.cs"));
        Assert.Contains("KernelSets { get; } = new string[] { \"linux-6.12\" };", result.Source("IommuInterop.KernelAvailability.g.cs"));
    }

    [Fact]
    public void Only_the_same_family_and_architecture_are_compared()
    {
        var result = new GeneratorHarness().CommittedModel("linux-7.3", "x86_64").Property("IommuInteropArch", "x86_64").List("IOMMU_IOAS_MAP")
            .ComparedCommittedModel("linux-6.12", "aarch64").ComparedCommittedModel("iommufd-test-7.3", "x86_64").ComparedCommittedModel("linux-6.12", "x86_64")
            .Run();
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Contains("KernelSets { get; } = new string[] { \"linux-6.12\", \"linux-7.3\" };", result.Source("IommuInterop.KernelAvailability.g.cs"));
    }

    [Fact]
    public void A_malformed_compared_model_is_IOMMUGEN001_on_its_file()
    {
        var result = new GeneratorHarness().Model(ModelPath, Build(ioctls: Ioctl("TINY_A", 0x3b81, null))).List("TINY_A")
            .ComparedModel("/project/models/old/x86_64.json", "{ \"schema\": 1 }").Run();
        var error = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("IOMMUGEN001", error.Id);
        Assert.Equal("/project/models/old/x86_64.json", error.Location.GetLineSpan().Path);
    }

    [Fact]
    public void A_list_edit_does_not_read_the_compared_models_again()
    {
        var harness = new GeneratorHarness().Model(ModelPath, Build(ioctls: Ioctl("TINY_A", 0x3b81, null) + "," + Ioctl("TINY_B", 0x3b82, null)))
            .List("TINY_B").ComparedModel("/project/models/tiny-1.0/x86_64.json", Build(ioctls: Ioctl("TINY_B", 0x3b82, null)));
        var compilation = harness.Compilation();
        var driver = harness.Driver().RunGenerators(compilation, TestContext.Current.CancellationToken);
        var list = harness.Texts.Single(t => t.Path.EndsWith("IommuInterop.txt", StringComparison.Ordinal));
        var rerun = driver.ReplaceAdditionalText(list, new global::Iommu.Tests.Shared.InMemoryAdditionalText(list.Path, "TINY_B\n// a comment\n"))
            .RunGenerators(compilation, TestContext.Current.CancellationToken);

        var steps = rerun.GetRunResult().Results.Single(r => r.Generator.GetGeneratorType() == typeof(IommuInteropGenerator)).TrackedSteps;
        Assert.NotEmpty(steps[IommuInteropGenerator.StepNames.ParseComparedModel].SelectMany(s => s.Outputs));
        Assert.All(steps[IommuInteropGenerator.StepNames.ParseComparedModel].SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.All(steps[IommuInteropGenerator.StepNames.Availability].SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Theory]
    [InlineData("linux-6.1", "linux-6.12")]
    [InlineData("linux-6.12", "linux-7.3")]
    [InlineData("linux-7.3", "linux-10.0")]
    [InlineData("iommufd-test-6.12", "iommufd-test-7.3")]
    public void Kernel_sets_order_by_version_number_not_text(string older, string newer)
    {
        Assert.True(KernelSetName.Chronological.Compare(KernelSetName.Parse(older), KernelSetName.Parse(newer)) < 0);
        Assert.Equal(KernelSetName.Parse(older).Family, KernelSetName.Parse(newer).Family);
    }
}
