using Linux.Iommu.Bench.Harness;
using Linux.Iommu.Bench.Report;
using Linux.Iommu.Bench.Suites;

namespace Linux.Iommu.Bench.Tests;

/// <summary>Case keys are built in one place, from typed suite parameters, and a key that names no case is an error
/// where it is made: in code, in a C baseline's output, in a probe file.</summary>
public class CaseKeyTests
{
    [Fact]
    public void A_key_is_the_suite_the_method_and_the_parameters_sorted_by_name()
    {
        var key = CaseKey.Of(new IoasMapBench { Size = 4096, Device = true }, nameof(IoasMapBench.MapUnmap));
        Assert.Equal("IoasMap/MapUnmap/Device=True/Size=4096", key.Text); // bench/c/iommufd.c prints exactly this
        Assert.Equal("IoasMap/MapUnmap/Device=True/Size=4096/interleaved-ratio", key.Measure("interleaved-ratio"));
    }

    [Fact]
    public void A_parameter_value_the_suite_does_not_have_is_refused_naming_the_values_it_has()
    {
        var e = Assert.Throws<ArgumentException>(() => CaseKey.Of(new IoasMapBench { Size = 8192 }, nameof(IoasMapBench.MapUnmap)));
        Assert.Contains("'IoasMap/MapUnmap/Device=False/Size=8192' is no case of IoasMapBench", e.Message, StringComparison.Ordinal);
        Assert.Contains("Size ∈ {4096, 2097152, 1073741824}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_method_that_is_not_a_benchmark_is_refused()
    {
        Assert.Throws<ArgumentException>(() => CaseKey.Of(new BatchBench { N = 64 }, nameof(BatchBench.Probe)));
    }

    [Fact]
    public void A_probe_key_splits_into_its_case_and_the_measure_after_it()
    {
        var parsed = CaseKey.ParseMeasure("Batch/Batched/N=64/vs-single/interleaved-ratio");
        Assert.NotNull(parsed);
        Assert.Equal("Batch/Batched/N=64", parsed.Value.Case.Text);
        Assert.Equal("vs-single/interleaved-ratio", parsed.Value.Measure);
        Assert.Null(CaseKey.ParseMeasure("Batch/Batched/N=65/map-ioctls"));
        Assert.Null(CaseKey.Parse("IoasMap/MapUnmap/Device=yes/Size=4096"));
    }

    [Theory]
    [InlineData("c-vm.tsv", "IoasMap/MapUnmap/Device=True/Size=4096\t1000\nIoasMap/MapUnmap/Device=1/Size=4096\t1000")]
    [InlineData("probes-vm.tsv", "Shadow/ApplyUpdates/Runs=65/map-ioctls-per-run\t1")]
    public void A_result_line_whose_key_names_no_case_fails_the_report_naming_the_file_and_line(string file, string lines)
    {
        var dir = Directory.CreateTempSubdirectory("bench-keys").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "csharp-vm.tsv"), "IoasMap/MapUnmap/Device=True/Size=4096\t1040\t0\n");
            File.WriteAllText(Path.Combine(dir, file), lines + "\n");
            var e = Assert.Throws<InvalidDataException>(() => ResultsReport.Write(dir));
            var line = lines.Split('\n').Length;
            Assert.StartsWith($"{Path.Combine(dir, file)}:{line}: '", e.Message, StringComparison.Ordinal);
            Assert.Contains("names no benchmark case", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
