using System;
using System.Linq;
using Linux.Iommu.Interop.Generator.Model;

namespace Linux.Iommu.Interop.Generator.Selection;

/// <summary>The architecture whose model is generated: IommuInteropArch if set, else the RuntimeIdentifier's,
/// else PlatformTarget's, else x86_64. A 32-bit target is refused whichever property names it: no model
/// describes its layouts (pointers and longs are 4 bytes there), and a 64-bit one would be silently wrong.</summary>
internal static class TargetArchitecture
{
    public const string X86_64 = "x86_64";
    public const string Aarch64 = "aarch64";

    private const string ThirtyTwoBit = "32-bit";

    public static (string Arch, DiagnosticInfo? Problem) Resolve(string? archProperty, string? runtimeIdentifier, string? platformTarget)
    {
        var sources = new (string Property, string? Value, string? Token)[]
        {
            ("IommuInteropArch", archProperty, archProperty),
            ("RuntimeIdentifier", runtimeIdentifier, runtimeIdentifier?.Substring(runtimeIdentifier.LastIndexOf('-') + 1)),
            ("PlatformTarget", platformTarget, platformTarget),
        }.Where(s => s.Value is not null).ToList();

        foreach (var source in sources)
        {
            if (Normalize(source.Token!) == ThirtyTwoBit)
            {
                return (X86_64, DiagnosticInfo.Create(Diagnostics.ThirtyTwoBitTarget, null, source.Value!, source.Property));
            }
        }
        foreach (var source in sources)
        {
            switch (Normalize(source.Token!))
            {
                case null: continue; // AnyCPU decides nothing
                case X86_64: return (X86_64, null);
                case Aarch64: return (Aarch64, null);
                default: return (X86_64, DiagnosticInfo.Create(Diagnostics.UnknownArch, null, source.Value!, source.Property));
            }
        }
        return (X86_64, null);
    }

    /// <summary>The spellings of MSBuild (x64, ARM64, x86, ARM, AnyCPU), of RIDs (x64, arm64, x86, arm, armel,
    /// armv6) and of Linux (x86_64, aarch64, i686) map to one name; anything else comes back as it is.</summary>
    private static string? Normalize(string token) =>
        token.ToLowerInvariant() switch
        {
            "x86_64" or "x64" or "amd64" => X86_64,
            "aarch64" or "arm64" => Aarch64,
            "x86" or "i386" or "i486" or "i586" or "i686" or "arm" or "armel" or "armhf" or "armv6" or "armv7" => ThirtyTwoBit,
            "anycpu" => null,
            _ => token,
        };
}
