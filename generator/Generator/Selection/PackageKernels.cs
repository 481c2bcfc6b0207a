using System;
using System.Linq;
using Linux.Iommu.Interop.Generator.Model;

namespace Linux.Iommu.Interop.Generator.Selection;

/// <summary>Checks IommuInteropKernel against the kernels whose models the build found
/// (IommuInteropKernels, set by the package's targets from its models folder only when they pick the model).
/// Without this, an unknown kernel brings no model and the user's code fails later with CS0103.</summary>
internal static class PackageKernels
{
    public static DiagnosticInfo? Check(string? kernel, string? available)
    {
        if (available is null) return null; // the project brings its own model: IommuInteropKernel picks nothing
        var kernels = available.Split(',')
            .Select(k => k.Trim().TrimEnd('/', '\\'))
            .Where(k => k.Length > 0)
            .Distinct(StringComparer.Ordinal)
            .OrderBy(k => k, StringComparer.Ordinal)
            .ToList();
        if (kernel is not null && kernels.Contains(kernel, StringComparer.Ordinal)) return null;
        var prefixed = $"linux-{kernel}";
        var hint = kernels.Contains(prefixed, StringComparer.Ordinal) ? $" - did you mean '{prefixed}'?" : "";
        return DiagnosticInfo.Create(Diagnostics.UnknownKernel, null, kernel ?? "", string.Join(", ", kernels), hint);
    }
}
