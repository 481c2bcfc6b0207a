using System.Globalization;
using System.Linq;
using Linux.Iommu.Interop.Generator.Model;
using Linux.Iommu.Interop.Generator.Selection;

namespace Linux.Iommu.Interop.Generator.Emit;

/// <summary>An ioctl: its request number in <c>Requests</c>, and in <c>Ioctls</c> a stub that throws
/// <c>IommuException</c> (ioctl name, errno, and the argument's fields as context) and a <c>Try</c> stub returning the
/// result or -errno. Both pin the argument with <c>fixed</c> and call the one libc import: no allocation, no delegate.</summary>
internal static class IoctlEmitter
{
    private const string LibC = "global::Linux.Iommu.Interop.LibC";

    // errno, read before anything else runs after the failed call (LibC's import does not capture it).
    private const string Errno = "global::System.Runtime.InteropServices.Marshal.GetLastSystemError()";

    public static EmitResult Emit(EmitItem item)
    {
        var ioctl = item.Model.Ioctls.First(i => i.Name == item.Name);
        var visibility = item.Options.Public ? "public" : "internal";
        var hint = $"Ioctl.{ioctl.Name}.g.cs";
        var (parameter, call) = Argument(ioctl);
        if (parameter is null)
        {
            return EmitResult.Failed(hint, DiagnosticInfo.Create(Diagnostics.Inexpressible, new LocationInfo(item.Model.Path, ioctl.ModelLine, 0, 1),
                ioctl.Name, $"its argument type '{ioctl.Argument?.Scalar}' has no C# mapping"));
        }
        var name = Names.Identifier(ioctl.Name);
        var request = $"0x{ioctl.Request.ToString("x", CultureInfo.InvariantCulture)}";
        var writer = SourceWriter.File(item.Options.Namespace);
        writer.Line($"{visibility} static partial class {item.Options.RequestsClass}");
        writer.Line("{");
        writer.Line($"    /// <summary>The request number of <c>{item.Options.IoctlsClass}.{name}</c>: {request} ({ModelNames.Of(ioctl.Direction)}, size {ioctl.Size}).</summary>");
        writer.Line($"    public const uint {name} = {ioctl.Request};");
        writer.Line("}");
        writer.Line();
        var exception = ErrorTypesEmitter.Qualified(item.Options, ErrorTypesEmitter.ExceptionClass);
        using (writer.Block($"{visibility} static unsafe partial class {item.Options.IoctlsClass}"))
        {
            var kernels = DocComments.Kernels(item, ioctl.Name);
            WriteStubs(writer, item.Model, ioctl, parameter, call, exception, item.Options.RequestsClass, kernels);
            if (ioctl.Argument?.Scalar is { } scalar && scalar != "char")
            {
                // vfio.h documents some _IO ioctls with a scalar type the kernel takes by value (VFIO_CHECK_EXTENSION,
                // VFIO_SET_IOMMU) and others by pointer (VFIO_GROUP_SET_CONTAINER): the header cannot tell, so both forms exist.
                writer.Line();
                WriteStubs(writer, item.Model, ioctl with { Argument = null }, ", nuint argument", "(void*)argument", exception, item.Options.RequestsClass, kernels);
            }
        }
        return new EmitResult(hint, writer.ToString(), EquatableArray<DiagnosticInfo>.Empty);
    }

    private static void WriteStubs(SourceWriter writer, AbiModel model, IoctlDecl ioctl, string parameter, string call, string exception, string requests, string? kernels)
    {
        var name = Names.Identifier(ioctl.Name);
        var request = $"0x{ioctl.Request.ToString("x", CultureInfo.InvariantCulture)}";
        var argumentText = ioctl.Argument?.Record is { } record ? $"struct {record}" : ioctl.Argument?.Scalar ?? "an integer value (or nothing)";
        DocComments.Write(writer, ioctl.Doc, ioctl.Location,
            DocComments.Sentences($"Request {request}, argument {DocComments.Escape(argumentText)}. Returns the ioctl's non-negative result.", kernels));
        writer.Line($"/// <exception cref=\"{exception}\">The kernel failed the call; the exception names the ioctl, the errno and the argument's fields.</exception>");
        using (writer.Block($"public static int {name}(int fd{parameter})"))
        {
            WriteCall(writer, ioctl, requests, call, $"if (result < 0) {ArgumentContext.ThrowMethod(ioctl)}({Errno}, {ArgumentContext.PassArgument(parameter)});", "return result;");
        }
        writer.Line();
        writer.Line($"/// <summary>{ioctl.Name} without exceptions: the ioctl's non-negative result, or -errno. For hot paths.</summary>");
        using (writer.Block($"public static int Try{ioctl.Name}(int fd{parameter})"))
        {
            WriteCall(writer, ioctl, requests, call, $"return result < 0 ? -{Errno} : result;");
        }
        writer.Line();
        ArgumentContext.WriteThrow(writer, model, ioctl, parameter, exception);
    }

    private static void WriteCall(SourceWriter writer, IoctlDecl ioctl, string requests, string call, params string[] after)
    {
        var invoke = $"var result = {LibC}.ioctl(fd, {requests}.{Names.Identifier(ioctl.Name)}, {call});";
        if (ioctl.Argument is null || ioctl.Argument is { Record: null, Scalar: null or "char" })
        {
            writer.Line(invoke);
            foreach (var line in after) writer.Line(line);
            return;
        }
        using (writer.Block($"fixed (void* pointer = &argument)"))
        {
            writer.Line(invoke);
            foreach (var line in after) writer.Line(line);
        }
    }

    /// <summary>The stub's parameter after <c>fd</c>, and what is passed to ioctl.</summary>
    private static (string? Parameter, string Call) Argument(IoctlDecl ioctl)
    {
        if (ioctl.Argument?.Record is { } record) return ($", ref {Names.Type(record)} argument", "pointer");
        if (ioctl.Argument?.Scalar is not { } cType) return (", nuint argument = 0", "(void*)argument"); // _IO ioctls that take nothing (or a value)
        if (cType == "char") return (", byte* nulTerminated", "nulTerminated"); // a C string, e.g. VFIO_GROUP_GET_DEVICE_FD's device name
        var scalar = CSharpTypes.OfCType(cType);
        return scalar is null ? (null, "") : ($", ref {scalar} argument", "pointer");
    }
}
