using Linux.Iommu.Interop.Generator.Model;

namespace Linux.Iommu.Interop.Generator.Selection;

/// <summary>MSBuild-level choices: target architecture, namespace, visibility of generated types, and the namespace of
/// the IommuException and Errno the stubs use (this one, where they are generated, unless another binding set's are reused).</summary>
internal sealed record GeneratorOptions(string Arch, string Namespace, bool Public, string ErrorNamespace)
{
    /// <summary>The error types are generated here rather than reused from another assembly.</summary>
    public bool OwnsErrorTypes => ErrorNamespace == Namespace;

    public const string DefaultNamespace = "Linux.Iommu";

    /// <summary>Prepended to the names of the generated static classes (IommuInteropClassPrefix), so an app using two
    /// binding sets (two models) needs no aliases: <c>Ioctls</c> and <c>SelftestIoctls</c>.</summary>
    public string ClassPrefix { get; init; } = "";

    public string IoctlsClass => ClassPrefix + "Ioctls";

    public string RequestsClass => ClassPrefix + "Requests";

    public string ConstantsClass => ClassPrefix + "Constants";
}

/// <summary>What the build told the generator: the options, the project directory (for messages), and what is
/// wrong with the build's choices (an unknown kernel or architecture), which stops generation.</summary>
internal sealed record BuildSettings(GeneratorOptions Options, string? ProjectDirectory, EquatableArray<DiagnosticInfo> Problems);

internal enum ItemKind { Record, Enum, Constants, Ioctl }

/// <summary>One thing to emit, carrying everything its emitter reads, so it caches by value.</summary>
internal sealed record EmitItem(ItemKind Kind, string Name, AbiModel Model, GeneratorOptions Options, EquatableArray<string> Names)
{
    /// <summary>The availability sentences for the docs of what this item declares (by C name).</summary>
    public EquatableArray<Availability.KernelNote> Kernels { get; init; } = EquatableArray<Availability.KernelNote>.Empty;

    /// <summary>The availability sentence of <paramref name="name"/>, or null.</summary>
    public string? KernelsOf(string name)
    {
        foreach (var note in Kernels)
        {
            if (note.Name == name) return note.Text;
        }
        return null;
    }
}

/// <summary>The closure of the opt-in list over the chosen model, and what went wrong choosing it.</summary>
internal sealed record SelectionResult(EquatableArray<EmitItem> Items, EquatableArray<DiagnosticInfo> Diagnostics);
