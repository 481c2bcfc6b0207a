using Iommu.Tests.Shared;

namespace Linux.Iommu.Bench.Tests;

/// <summary><c>bench/run.sh --check</c> (bench/check-figures.py): every ratio a document quotes is recomputed from the
/// result files, and a run whose measurements of the same call disagree is flagged.</summary>
public sealed class FigureCheckTests : IDisposable
{
    private const string Nested = "NestedInvalidate/Invalidate";
    private readonly string _dir = Directory.CreateTempSubdirectory("figure-check").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ProcessResult Check(params string[] arguments) =>
        Processes.Run("bash", ["bench/run.sh", "--check", .. arguments], workingDirectory: RepositoryRoot.Path);

    private string Doc(params string[] lines)
    {
        var path = Path.Combine(_dir, "doc.md");
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>A results folder of one probes file: a nested run whose one-entry-per-ioctl baseline (the batch
    /// comparison's side a) is <paramref name="baselineNs"/> per entry, against 2000 ns for the same loop against C.</summary>
    private string Results(double baselineNs)
    {
        var results = Directory.CreateDirectory(Path.Combine(_dir, "results")).FullName;
        File.WriteAllLines(Path.Combine(results, "probes-nested.tsv"),
        [
            $"{Nested}/Batch=1/interleaved-a-ns\t1900", $"{Nested}/Batch=1/interleaved-b-ns\t2000", $"{Nested}/Batch=1/interleaved-ratio\t1.05",
            $"{Nested}/Batch=256/vs-one-per-ioctl/interleaved-a-ns\t{baselineNs}", $"{Nested}/Batch=256/vs-one-per-ioctl/interleaved-b-ns\t100",
            $"{Nested}/Batch=256/vs-one-per-ioctl/interleaved-ratio\t{100 / baselineNs}",
            $"{Nested}/Batch=256/interleaved-b-ns\t98", $"{Nested}/Batch=256/interleaved-ratio\t1.02",
        ]);
        return results;
    }

    private static string Span(string source, string figure) => $"<!-- ratio: {source} -->{figure}<!-- /ratio -->";

    [Fact]
    public void The_committed_documents_quote_what_the_committed_results_say()
    {
        var result = Check();
        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public void A_wrong_figure_fails_naming_the_document_line_quote_recomputed_figure_and_file()
    {
        var doc = Doc("# Figures", "", $"C# against C: {Span($"probes-nested.tsv:{Nested}/Batch=256/interleaved-ratio", "1.20×")}.");

        var result = Check("--results", Results(baselineNs: 2100), doc);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{doc}:3: quoted 1.20×, recomputed 1.02× from probes-nested.tsv:{Nested}/Batch=256/interleaved-ratio", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_right_figure_passes_and_a_quotient_of_two_keys_is_recomputed()
    {
        var doc = Doc($"one per ioctl / batched: {Span($"probes-nested.tsv:{Nested}/Batch=256/vs-one-per-ioctl/interleaved-a-ns / probes-nested.tsv:{Nested}/Batch=256/vs-one-per-ioctl/interleaved-b-ns", "21.00×")}");

        var result = Check("--results", Results(baselineNs: 2100), doc);

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public void A_ratio_typed_outside_a_span_fails_and_a_target_does_not()
    {
        var doc = Doc("Batching is 152× faster (target ≥ 50×).");

        var result = Check("--results", Results(baselineNs: 2100), doc);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{doc}:1: 152× is a ratio with no source", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("50×", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_figure_from_measurements_of_the_same_call_that_disagree_is_struck_through_and_flagged()
    {
        var results = Results(baselineNs: 20000); // 10x the same loop's 2000 ns against C
        var doc = Doc($"batched: {Span($"1 / probes-nested.tsv:{Nested}/Batch=256/vs-one-per-ioctl/interleaved-ratio", "200×")}");

        var check = Check("--results", results, doc);
        var update = Check("--update", "--results", results, doc);
        var run = Processes.Run("python3", ["bench/check-figures.py", "--run", results], workingDirectory: RepositoryRoot.Path);

        Assert.Equal(1, check.ExitCode);
        Assert.Contains("quoted 200×, recomputed ~~200×~~ (flagged", check.Stderr, StringComparison.Ordinal);
        Assert.Contains($"flagged: probes-nested.tsv: {Nested}/Batch=256/vs-one-per-ioctl/interleaved-a-ns = 20.0 µs and {Nested}/Batch=1/interleaved-b-ns = 2.00 µs time the same call in one run, 10.0× apart", check.Stdout, StringComparison.Ordinal);
        Assert.True(update.ExitCode == 0, update.Output);
        Assert.Contains("-->~~200×~~ (flagged by bench/run.sh --check: the same call measured 2.00 µs and 20.0 µs in that run)<!-- /ratio -->", File.ReadAllText(doc), StringComparison.Ordinal);
        Assert.Equal(1, run.ExitCode); // a benchmark run refuses to publish it
        Assert.Contains("10.0× apart", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_comparison_whose_sides_no_same_call_rule_covers_fails()
    {
        var results = Results(baselineNs: 2100);
        File.WriteAllLines(Path.Combine(results, "probes-new.tsv"), ["New/Loop/vs-other/interleaved-a-ns\t5"]);

        var result = Check("--results", results, Doc("no figures"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("New/Loop/vs-other/interleaved-a-ns is a comparison side that no SAME_CALL rule", result.Stderr, StringComparison.Ordinal);
    }
}
