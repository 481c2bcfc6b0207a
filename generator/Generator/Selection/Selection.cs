using Linux.Iommu.Interop.Generator.Model;

namespace Linux.Iommu.Interop.Generator.Selection;

/// <summary>MSBuild-level choices: target architecture, namespace, visibility of generated types, the namespace of
/// the IommuException and Errno the stubs use, and whether they are generated there (with which visibility) or
/// reused from another binding set.</summary>
internal sealed record GeneratorOptions(string Arch, string Namespace, bool Public, string ErrorNamespace)
{
    /// <summary>IommuInteropErrorTypes: generated public or internal in <see cref="ErrorNamespace"/>, or none (reused).
    /// Unset: generated with the bindings' visibility when the error namespace is the bindings' own, else reused.</summary>
    public ErrorTypes ErrorTypes { get; init; } = Namespace == ErrorNamespace ? (Public ? ErrorTypes.Public : ErrorTypes.Internal) : ErrorTypes.None;

    /// <summary>The error types are generated here rather than reused from another assembly.</summary>
    public bool OwnsErrorTypes => ErrorTypes != ErrorTypes.None;

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

/// <summary>What the generator does about IommuException and Errno (IommuInteropErrorTypes).</summary>
internal enum ErrorTypes { None, Internal, Public }

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
