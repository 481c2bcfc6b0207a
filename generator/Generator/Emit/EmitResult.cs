using Linux.Iommu.Interop.Generator.Model;

namespace Linux.Iommu.Interop.Generator.Emit;

/// <summary>A whole generated file, or the diagnostics that stopped it (never half a file).</summary>
internal sealed record EmitResult(string HintName, string? Source, EquatableArray<DiagnosticInfo> Diagnostics)
{
    public static EmitResult Failed(string hintName, params DiagnosticInfo[] diagnostics) => new(hintName, null, diagnostics.ToEquatableArray());
}
