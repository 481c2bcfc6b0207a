using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text;
using System.Xml.Linq;
using Iommu.Tests.Shared;

namespace Linux.Iommu.Packaging.Tests;

/// <summary>What pack.sh puts in each package: the metadata a package page shows, documentation, symbols, builds with
/// the repository's paths mapped away, and no test support in any package.</summary>
[Trait("Category", "Packaging")]
public class PackageContentTests(LocalFeed feed)
{
    [Theory]
    [InlineData("Linux.Iommu.Interop.Generator")]
    [InlineData("Linux.Iommu")]
    [InlineData("Linux.Iommu.Planner")]
    [InlineData("iommu")]
    public void Each_package_has_readme_licence_and_repository_commit(string id)
    {
        using var package = Open(id, "nupkg");
        var metadata = XDocument.Load(package.Entries.Single(e => e.FullName == $"{id}.nuspec").Open()).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Element(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

        Assert.Equal(feed.Version, Element("version"));
        Assert.Equal("MIT", Element("license"));
        Assert.Equal("README.md", Element("readme"));
        Assert.Contains(package.Entries, e => e.FullName == "README.md");
        var commit = metadata.Elements().Single(e => e.Name.LocalName == "repository").Attribute("commit")?.Value;
        Assert.Matches("^[0-9a-f]{40}$", commit);
    }

    [Theory]
    [InlineData("Linux.Iommu", "lib/net10.0/Linux.Iommu.dll")]
    [InlineData("Linux.Iommu.Planner", "lib/net10.0/Linux.Iommu.Planner.dll")]
    [InlineData("iommu", "tools/net10.0/any/iommu.dll")]
    public void Libraries_and_the_tool_have_xml_docs_symbols_and_deterministic_paths(string id, string assembly)
    {
        using var package = Open(id, "nupkg");
        if (id != "iommu") Assert.Contains(package.Entries, e => e.FullName == Path.ChangeExtension(assembly, ".xml"));
        using var symbols = Open(id, "snupkg");
        using var pdb = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(Bytes(symbols, Path.ChangeExtension(assembly, ".pdb"))));
        SourcesAreMapped(pdb.GetMetadataReader());
        Assert.DoesNotContain(RepositoryRoot.Path, Encoding.UTF8.GetString(Bytes(package, assembly)));
    }

    [Fact]
    public void The_generator_embeds_its_pdb_and_carries_the_models()
    {
        using var package = Open("Linux.Iommu.Interop.Generator", "nupkg");
        var analyzer = Bytes(package, "analyzers/dotnet/cs/Linux.Iommu.Interop.Generator.dll");
        using var pe = new PEReader(new MemoryStream(analyzer));
        var embedded = pe.ReadDebugDirectory().Single(e => e.Type == DebugDirectoryEntryType.EmbeddedPortablePdb);
        using var pdb = pe.ReadEmbeddedPortablePdbDebugDirectoryData(embedded);
        SourcesAreMapped(pdb.GetMetadataReader());
        Assert.DoesNotContain(RepositoryRoot.Path, Encoding.UTF8.GetString(analyzer));
        foreach (var kernel in Directory.GetDirectories(RepositoryRoot.Combine("headers", "models")).Select(Path.GetFileName).Where(k => k != "diffs"))
        {
            Assert.Contains(package.Entries, e => e.FullName == $"build/models/{kernel}/x86_64.json");
            Assert.Contains(package.Entries, e => e.FullName == $"build/models/{kernel}/aarch64.json");
        }
    }

    [Fact]
    public void No_package_carries_test_support_or_the_scanner()
    {
        foreach (var id in new[] { "Linux.Iommu", "Linux.Iommu.Planner", "iommu" })
        {
            using var package = Open(id, "nupkg");
            Assert.DoesNotContain(package.Entries, e => e.Name.Contains("Testing", StringComparison.Ordinal) || e.Name.Contains("iommu-scan", StringComparison.Ordinal));
        }
    }

    /// <summary>ContinuousIntegrationBuild maps the source root to /_/ (what Source Link resolves against the
    /// repository's commit): no path of the build machine is in the symbols.</summary>
    private static void SourcesAreMapped(MetadataReader pdb)
    {
        var documents = pdb.Documents.Select(d => pdb.GetString(pdb.GetDocument(d).Name)).ToList();
        Assert.NotEmpty(documents);
        Assert.All(documents, d => Assert.StartsWith("/_/", d, StringComparison.Ordinal));
    }

    private ZipArchive Open(string id, string extension) =>
        ZipFile.OpenRead(Path.Combine(feed.FeedDirectory, $"{id}.{feed.Version}.{extension}"));

    private static byte[] Bytes(ZipArchive package, string entry)
    {
        using var stream = package.GetEntry(entry)!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
