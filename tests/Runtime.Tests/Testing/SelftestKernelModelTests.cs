using Iommu.Abi;
using Iommu.Tests.Shared;
using Linux.Iommu.Testing;
using Linux.Iommu.Testing.Native;

namespace Linux.Iommu.Tests.Testing;

/// <summary>Linux.Iommu.Testing binds the newest selftest mock (iommufd-test-7.3) and picks the running kernel's mock at
/// run time (<see cref="SelftestKernel"/>): these check, against the committed models, that the probe asks each mock
/// its newest op, and that the newest mock's bindings are the same bytes for everything the older mock has.</summary>
public class SelftestKernelModelTests
{
    private static AbiModel Model(string set, string arch)
    {
        var path = RepositoryRoot.Combine("headers", "models", set, $"{arch}.json");
        return ModelReader.Read(path, File.ReadAllText(path));
    }

    private static Dictionary<string, System.Numerics.BigInteger> Values(AbiModel model) =>
        model.Enums.SelectMany(e => e.Constants).Select(c => (c.Name, c.Value))
            .Concat(model.Constants.Where(c => c.Kind == ConstantKind.Integer).Select(c => (c.Name, c.Value)))
            .ToDictionary(x => x.Name, x => x.Value);

    [Fact]
    public void The_probe_asks_every_modelled_mock_its_newest_op_newest_mock_first()
    {
        Assert.Equal(SelftestKernelAvailability.KernelSets.Reverse(), SelftestKernel.NewestOps.Select(m => m.KernelSet));
        foreach (var (set, op, value) in SelftestKernel.NewestOps)
        {
            var newest = Model(set, "x86_64").Enums.SelectMany(e => e.Constants).Where(c => c.Name.StartsWith("IOMMU_TEST_OP_", StringComparison.Ordinal))
                .MaxBy(c => c.Value)!;
            Assert.Equal((newest.Name, (uint)newest.Value), (op, value));
        }
        // so an older mock cannot know the newer mock's marker
        Assert.False(SelftestKernelAvailability.IsIn(SelftestKernel.NewestOps[0].Op, SelftestKernel.NewestOps[1].KernelSet));
    }

    [Theory]
    [InlineData("x86_64")]
    [InlineData("aarch64")]
    public void The_newest_mocks_bindings_have_the_older_mocks_bytes(string arch)
    {
        var sets = SelftestKernelAvailability.KernelSets;
        var newest = Model(sets[^1], arch);
        var newRecords = newest.Records.ToDictionary(r => r.Name);
        var newValues = Values(newest);
        foreach (var older in sets.Take(sets.Count - 1).Select(set => Model(set, arch)))
        {
            var oldRecords = older.Records.ToDictionary(r => r.Name);
            foreach (var record in older.Records.Where(r => !r.IsAnonymous))
            {
                var now = newRecords[record.Name];
                Assert.True(now.Size >= record.Size, $"{record.Name}: {record.Size} bytes in {older.HeaderSet.Name}, {now.Size} in {newest.HeaderSet.Name}");
                var fields = now.Flatten(newRecords).ToDictionary(f => f.Path);
                foreach (var (path, offset, field) in record.Flatten(oldRecords))
                {
                    Assert.True(fields.TryGetValue(path, out var match) && match.Offset == offset && match.Field.Type.Size == field.Type.Size,
                        $"{record.Name}.{path}: offset {offset} in {older.HeaderSet.Name}, not in {newest.HeaderSet.Name} at that offset");
                }
            }
            var oldValues = Values(older);
            foreach (var (name, value) in oldValues.Where(v => newValues.ContainsKey(v.Key)))
            {
                Assert.True(newValues[name] == value, $"{name}: {value} in {older.HeaderSet.Name}, {newValues[name]} in {newest.HeaderSet.Name}");
            }
            // what the newest mock dropped is not bound at all, so nothing can send it by the newer number
            Assert.Equal(["MOCK_FLAGS_DEVICE_HUGE_IOVA"], oldValues.Keys.Where(name => !newValues.ContainsKey(name)));
        }
    }

    [Fact]
    public void The_availability_table_names_the_ops_a_612_mock_lacks()
    {
        Assert.Equal("absent from iommufd-test-6.12, present in iommufd-test-7.3", SelftestKernelAvailability.Evidence("IOMMU_TEST_OP_PASID_ATTACH"));
        Assert.Equal("absent from iommufd-test-6.12, present in iommufd-test-7.3", SelftestKernelAvailability.Evidence("MOCK_FLAGS_DEVICE_PASID"));
        Assert.True(SelftestKernelAvailability.IsIn("IOMMU_TEST_OP_MOCK_DOMAIN", "iommufd-test-6.12"));
        Assert.Equal("present in iommufd-test-6.12 (4 bytes) and iommufd-test-7.3 (8 bytes)", SelftestKernelAvailability.Evidence("iommu_hwpt_selftest"));
        // the HWPT data a 6.12 mock takes: the kernel refuses data longer than its own struct
        Assert.Equal(4, SelftestKernelAvailability.SizeIn("iommu_hwpt_selftest", "iommufd-test-6.12"));
    }
}
