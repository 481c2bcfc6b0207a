namespace Vm.Tests.Runtime;

/// <summary>Bad input on the real kernel, case by case from the kernel's own selftest
/// (tools/testing/selftests/iommu/iommufd.c of the pinned 7.3 source; cited per test): each names the behaviour and
/// the errno the kernel really returns, checks the runtime's exception where the runtime API is used, and ends with
/// the IOAS empty and nothing pinned. Where our kernel answers differently from the selftest, the test
/// asserts what the kernel does and says so. Split by area: Commands, Map, Unmap, IovaRanges, Copy, Device, Hwpt,
/// Vfio, Disposed.</summary>
[Collection(EduCollection.Name)]
[Trait("Category", "Vm")]
[Trait("Boot", "main")]
[Trait("Boot", "aarch64")]
public sealed partial class BadInputTests
{
}
