using Iommu.Scanner.Model;
using Iommu.Scanner.Probe;
using Iommu.Scanner.Tests.Support;

namespace Iommu.Scanner.Tests;

/// <summary>Every number of every committed model, stated as a C assertion and compiled by gcc against
/// the same headers: clang (our scanner) and gcc must agree on all of them, on both architectures.</summary>
public class LayoutConformanceTests
{
    public static TheoryData<string, string> Models()
    {
        var data = new TheoryData<string, string>();
        foreach (var set in Repo.Sets.Select(s => s.Set))
            foreach (var arch in Repo.Archs)
                data.Add(set, arch);
        return data;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Committed_model_agrees_with_gcc_on_every_size_offset_constant_and_ioctl(string set, string arch)
    {
        var model = ModelFile.Read(Repo.ModelPath(set, arch));
        var probe = CProbeWriter.Write(model);

        var outcome = Gcc.Check(probe, HeaderSets.Include(set), arch);

        Assert.True(outcome.Compiled, outcome.Log);
        Assert.Empty(outcome.FailedChecks);
        Assert.Equal(ExpectedChecks(model), CProbeWriter.CountChecks(probe));
    }

    [Fact]
    public void Every_item_of_the_model_is_checked_by_the_probe()
    {
        var model = ModelFile.Read(Repo.ModelPath("linux-7.3", "x86_64"));
        var probe = CProbeWriter.Write(model);

        var records = model.Records.ToDictionary(r => r.Name);
        foreach (var record in model.Records.Where(r => !r.IsAnonymous))
        {
            Assert.Contains($"\"{record.Name} size {record.Size}\"", probe);
            foreach (var (path, offset, _) in record.Flatten(records))
                Assert.Contains($"\"{record.Name}.{path} offset {offset}\"", probe);
        }
        foreach (var constant in model.Constants)
            Assert.Contains($"{constant.Name}", probe);
        foreach (var ioctl in model.Ioctls)
            Assert.Contains($"\"{ioctl.Name} == {ioctl.Request}\"", probe);
        foreach (var value in model.Enums.SelectMany(e => e.Constants))
            Assert.Contains($"\"{value.Name} == {value.Value}\"", probe);
    }

    [Fact]
    public void A_deliberately_wrong_model_fails_naming_each_wrong_item()
    {
        var model = ModelFile.Read(Repo.ModelPath("linux-7.3", "x86_64"));
        var map = model.Records.Single(r => r.Name == "iommu_ioas_map");
        var iova = map.Fields.Single(f => f.Name == "iova");
        var wrongMap = map with { Fields = map.Fields.Select(f => f == iova ? f with { Offset = f.Offset + 4 } : f).ToList() };
        var wrong = model with
        {
            Records = model.Records.Select(r => r == map ? wrongMap : r).ToList(),
            Ioctls = model.Ioctls.Select(i => i.Name == "IOMMU_IOAS_MAP" ? i with { Request = i.Request + 1 } : i).ToList(),
            Constants = model.Constants.Select(c => c.Name == "VFIO_API_VERSION" ? c with { Value = c.Value + 1 } : c).ToList(),
        };

        var outcome = Gcc.Check(CProbeWriter.Write(wrong), HeaderSets.Include("linux-7.3"), "x86_64");

        Assert.Equal(
            [$"IOMMU_IOAS_MAP == {wrong.Ioctls.Single(i => i.Name == "IOMMU_IOAS_MAP").Request}",
             $"VFIO_API_VERSION == {wrong.Constants.Single(c => c.Name == "VFIO_API_VERSION").Value}",
             $"iommu_ioas_map.iova offset {iova.Offset + 4}"],
            outcome.FailedChecks.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_wrong_model_fails_on_aarch64_too()
    {
        var model = ModelFile.Read(Repo.ModelPath("linux-7.3", "aarch64"));
        var wrong = model with { Ioctls = model.Ioctls.Select(i => i.Name == "VFIO_IOMMU_MAP_DMA" ? i with { Size = 8 } : i).ToList() };

        var outcome = Gcc.Check(CProbeWriter.Write(wrong), HeaderSets.Include("linux-7.3"), "aarch64");

        Assert.Equal(["VFIO_IOMMU_MAP_DMA dir 0 type 59 nr 113 size 8"], outcome.FailedChecks);
    }

    // Counted from the model independently of the writer: 2 per record, 2 per named field (offset and
    // size) or 1 per bitfield, 1 per enum size, 1 per enumerator, 2 per integer and 1 per string constant, 2 per ioctl.
    private static int ExpectedChecks(AbiModel model)
    {
        var records = model.Records.ToDictionary(r => r.Name);
        var named = model.Records.Where(r => !r.IsAnonymous).ToList();
        var fields = named.SelectMany(r => r.Flatten(records)).Sum(f => f.Field.BitWidth is null ? 2 : 1);
        return 2 * named.Count + fields
            + model.Enums.Count(e => e.Name is not null) + model.Enums.Sum(e => e.Constants.Count)
            + model.Constants.Sum(c => c.Kind == ConstantKind.Integer ? 2 : 1)
            + 2 * model.Ioctls.Count;
    }
}
