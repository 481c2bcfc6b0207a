using System.Diagnostics;
using System.Reflection;
using Linux.Iommu.Interop.Generator.Emit;
using Linux.Iommu.Interop.Generator.Tests.Support;
using static Linux.Iommu.Interop.Generator.Tests.Support.TinyModel;

namespace Linux.Iommu.Interop.Generator.Tests;

/// <summary>The one exception type and errno table the stubs use: generated in the consumer's namespace with its
/// visibility, carrying the call's arguments, or reused from another binding set.</summary>
public class ErrorTypesTests
{
    private static readonly string Alloc = Build(
        records: Record("tiny_alloc", 24, 8, string.Join(",", Field("size", 0, U32), Field("flags", 4, U32), Field("ioas_id", 8, U32),
            Field("__reserved", 12, U32), Field("iova", 16, U64))),
        ioctls: Ioctl("TINY_ALLOC", 0x3b81, "tiny_alloc"));

    private static GeneratorHarness.Result Generate(GeneratorHarness harness)
    {
        var result = harness.Run();
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.CompileDiagnostics);
        return result;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_exception_and_errno_table_are_public_exactly_when_IommuInteropPublic_is_true(bool isPublic)
    {
        var harness = new GeneratorHarness().Model(ModelPath, Alloc).List("TINY_ALLOC").Property("IommuInteropNamespace", "My.Vmm.Kernel");
        if (isPublic) harness.Property("IommuInteropPublic", "true");
        var assembly = Generate(harness).Load();

        var exception = assembly.GetType("My.Vmm.Kernel.IommuException")!;
        Assert.Equal(isPublic, exception.IsPublic);
        Assert.Equal(isPublic, assembly.GetType("My.Vmm.Kernel.Errno")!.IsPublic);
        Assert.Equal(typeof(IOException), exception.BaseType);
        Assert.Null(assembly.GetType("Linux.Iommu.Interop.IommuException")); // only the libc import keeps the fixed namespace
    }

    [Fact]
    public void A_failed_stub_throws_naming_the_ioctl_the_errno_and_the_argument_s_input_fields()
    {
        var result = Generate(new GeneratorHarness().Model(ModelPath, Alloc).List("TINY_ALLOC").Property("IommuInteropPublic", "true").Source("""
            public static class Probe
            {
                public static System.Exception Call()
                {
                    var alloc = Linux.Iommu.tiny_alloc.Create();
                    alloc.flags = 0x5;
                    alloc.ioas_id = 3;
                    alloc.iova = 0x100000;
                    try { Linux.Iommu.Ioctls.TINY_ALLOC(-1, ref alloc); return null!; }
                    catch (Linux.Iommu.IommuException e) { return e; }
                }

                public static System.Exception Rethrow()
                {
                    var alloc = Linux.Iommu.tiny_alloc.Create();
                    try { Linux.Iommu.Ioctls.ThrowTINY_ALLOC(Linux.Iommu.Errno.EBUSY, in alloc, "IOAS 0 is still in use"); return null!; }
                    catch (Linux.Iommu.IommuException e) { return e; }
                }
            }
            """));
        var probe = result.Load().GetType("Probe")!;

        // a real ioctl(2) on fd -1: the kernel answers EBADF; size and __reserved are not the caller's input
        dynamic failed = probe.GetMethod("Call")!.Invoke(null, null)!;
        Assert.Equal("TINY_ALLOC", (string)failed.Operation);
        Assert.Equal(9, (int)failed.Errno);
        Assert.Equal("EBADF", (string)failed.ErrnoName);
        Assert.Equal("flags 0x5, ioas_id 3, iova 0x100000", (string)failed.Context);
        Assert.Equal("TINY_ALLOC failed: EBADF (9): Bad file descriptor - flags 0x5, ioas_id 3, iova 0x100000", (string)failed.Message);

        dynamic rethrown = probe.GetMethod("Rethrow")!.Invoke(null, null)!;
        Assert.Equal("TINY_ALLOC failed: EBUSY (16): Device or resource busy - flags 0x0, ioas_id 0, iova 0x0; IOAS 0 is still in use", (string)rethrown.Message);
    }

    [Fact]
    public void Only_the_leading_size_header_is_left_out_a_later_size_field_is_the_caller_s_length()
    {
        // vfio_iommu_type1_dma_map's shape: argsz (the header), flags, vaddr, iova, size (the mapping's length)
        var dmaMap = Build(
            records: Record("tiny_dma_map", 32, 8, string.Join(",", Field("argsz", 0, U32), Field("flags", 4, U32), Field("vaddr", 8, U64),
                Field("iova", 16, U64), Field("size", 24, U64))),
            ioctls: Ioctl("TINY_MAP_DMA", 0x3b71, "tiny_dma_map"));
        var source = Generate(new GeneratorHarness().Model(ModelPath, dmaMap).List("TINY_MAP_DMA")).Source("Ioctl.TINY_MAP_DMA.g.cs");

        Assert.Contains("$\"flags 0x{argument.flags:x}, vaddr 0x{argument.vaddr:x}, iova 0x{argument.iova:x}, size 0x{argument.size:x}\"", source);
        Assert.DoesNotContain("argsz", source.Split("ThrowTINY_MAP_DMA(")[1]);
    }

    [Fact]
    public void The_throw_path_stays_out_of_the_stub()
    {
        var source = Generate(new GeneratorHarness().Model(ModelPath, Alloc).List("TINY_ALLOC")).Source("Ioctl.TINY_ALLOC.g.cs");

        // the stub's failure branch is one call; the message is built in the NoInlining Throw method
        Assert.Contains("if (result < 0) ThrowTINY_ALLOC(global::System.Runtime.InteropServices.Marshal.GetLastSystemError(), in argument);", source);
        Assert.Contains("[global::System.Runtime.CompilerServices.MethodImpl(global::System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]\n    public static void ThrowTINY_ALLOC(", source);
    }

    [Fact]
    public void A_binding_set_can_use_another_namespace_s_error_types_instead_of_its_own()
    {
        var result = Generate(new GeneratorHarness().Model(ModelPath, Alloc).List("TINY_ALLOC")
            .Property("IommuInteropErrorNamespace", "Other.Errors")
            .Source("""
                namespace Other.Errors
                {
                    public sealed class IommuException(string operation, int errno, string? context = null) : System.IO.IOException($"{operation} {errno} {context}");
                }
                """));

        Assert.DoesNotContain("IommuInterop.IommuException.g.cs", result.HintNames);
        Assert.DoesNotContain("IommuInterop.Errno.g.cs", result.HintNames);
        Assert.Contains("throw new global::Other.Errors.IommuException(\"TINY_ALLOC\"", result.Source("Ioctl.TINY_ALLOC.g.cs"));
    }

    [Fact]
    public void Internal_bindings_can_throw_public_error_types_generated_in_another_namespace()
    {
        // a runtime's shape: its bindings internal, the exception its callers catch public in its own namespace
        var result = Generate(new GeneratorHarness().Model(ModelPath, Alloc).List("TINY_ALLOC")
            .Property("IommuInteropNamespace", "My.Vmm.Native")
            .Property("IommuInteropErrorNamespace", "My.Vmm")
            .Property("IommuInteropErrorTypes", "public"));
        var assembly = result.Load();

        Assert.False(assembly.GetType("My.Vmm.Native.Ioctls")!.IsPublic);
        Assert.True(assembly.GetType("My.Vmm.IommuException")!.IsPublic);
        Assert.True(assembly.GetType("My.Vmm.Errno")!.IsPublic);
        Assert.Null(assembly.GetType("My.Vmm.Native.IommuException"));
        Assert.Contains("throw new global::My.Vmm.IommuException(\"TINY_ALLOC\"", result.Source("Ioctl.TINY_ALLOC.g.cs"));
    }

    [Fact]
    public void IommuInteropErrorTypes_none_reuses_the_error_types_of_the_bindings_own_namespace()
    {
        var result = Generate(new GeneratorHarness().Model(ModelPath, Alloc).List("TINY_ALLOC")
            .Property("IommuInteropErrorTypes", "none")
            .Source("""
                namespace Linux.Iommu
                {
                    internal sealed class IommuException(string operation, int errno, string? context = null) : System.IO.IOException($"{operation} {errno} {context}");
                }
                """));

        Assert.DoesNotContain("IommuInterop.IommuException.g.cs", result.HintNames);
        Assert.DoesNotContain("IommuInterop.Errno.g.cs", result.HintNames);
    }

    [Fact]
    public void A_derived_failure_words_its_own_message_and_keeps_operation_and_errno()
    {
        var result = Generate(new GeneratorHarness().Model(ModelPath, Alloc).List("TINY_ALLOC").Property("IommuInteropPublic", "true").Source("""
            public sealed class NotSetUp() : Linux.Iommu.IommuException("open 0000:00:03.0", 0, null, "0000:00:03.0 is not bound to vfio-pci", null);
            """));
        dynamic failure = System.Activator.CreateInstance(result.Load().GetType("NotSetUp")!)!;

        Assert.Equal("0000:00:03.0 is not bound to vfio-pci", (string)failure.Message);
        Assert.Equal("open 0000:00:03.0", (string)failure.Operation);
        Assert.Equal(0, (int)failure.Errno);
    }

    [Fact]
    public void Every_errno_name_and_number_matches_the_C_headers()
    {
        Assert.Equal(ErrnoTable.Entries.Length, ErrnoTable.Entries.Select(e => e.Value).Distinct().Count()); // one name per number
        var probe = Path.Combine(Path.GetTempPath(), $"errno-probe-{Environment.ProcessId}.c");
        File.WriteAllLines(probe, ["#include <errno.h>", .. ErrnoTable.Entries.Select(e => $"_Static_assert({e.Name} == {e.Value}, \"{e.Name}\");")]);
        try
        {
            using var gcc = Process.Start(new ProcessStartInfo("gcc", ["-fsyntax-only", probe]) { RedirectStandardError = true })!;
            var errors = gcc.StandardError.ReadToEnd();
            gcc.WaitForExit();
            Assert.True(gcc.ExitCode == 0, errors);
        }
        finally
        {
            File.Delete(probe);
        }
    }

    [Fact]
    public void Errno_Name_gives_the_symbol_and_a_number_for_what_Linux_does_not_define()
    {
        var errno = Generate(new GeneratorHarness().Model(ModelPath, Alloc).List("TINY_ALLOC")).Load().GetType("Linux.Iommu.Errno")!;
        var name = errno.GetMethod("Name", BindingFlags.Public | BindingFlags.Static)!;
        Assert.Equal("EOPNOTSUPP", name.Invoke(null, [95]));
        Assert.Equal(98, errno.GetField("EADDRINUSE")!.GetValue(null));
        Assert.Equal("errno 4095", name.Invoke(null, [4095]));
    }
}
