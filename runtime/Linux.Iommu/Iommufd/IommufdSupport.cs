using System.IO.Compression;
using System.Text.RegularExpressions;

namespace Linux.Iommu;

/// <summary>Whether this kernel serves iommufd, and if not, what is missing: a host without /dev/iommu is told the kernel
/// version and options it needs (and the legacy container that works without iommufd) rather than "ENOENT".
/// <see cref="IommuFd.Open"/> says this when /dev/iommu is missing.</summary>
public static partial class IommufdSupport
{
    /// <summary>The iommufd character device.</summary>
    public const string DevIommu = "/dev/iommu";

    /// <summary>True when this host has /dev/iommu.</summary>
    public static bool Available => File.Exists(DevIommu);

    /// <summary>What this host lacks for iommufd: the running kernel's release against 6.2 and 6.6 and its
    /// CONFIG_IOMMUFD, CONFIG_VFIO and CONFIG_VFIO_DEVICE_CDEV (from /proc/config.gz or /boot/config-RELEASE).</summary>
    public static string Diagnose()
    {
        var release = KernelRelease();
        return Diagnose(release, ReadConfig(release, out var source), source);
    }

    /// <summary>What this host lacks for iommufd, one finding each (the lines of <see cref="Diagnose()"/>), e.g.
    /// "CONFIG_IOMMUFD is not set in /boot/config-RELEASE: this kernel was built without it (…)"; empty when
    /// /dev/iommu is there.</summary>
    public static IReadOnlyList<string> Missing()
    {
        if (Available) return [];
        var release = KernelRelease();
        return Missing(release, ReadConfig(release, out var source), source);
    }

    /// <summary>The explanation for a host without /dev/iommu: the kernel version against 6.2 (iommufd) and 6.6 (VFIO
    /// device cdev), and CONFIG_IOMMUFD, CONFIG_VFIO, CONFIG_VFIO_DEVICE_CDEV from its configuration when readable. An
    /// option left out of the build is the distribution's choice, said as such; a module is to be loaded only when
    /// <paramref name="moduleLoaded"/> says it is not (default: /sys/module/NAME).</summary>
    internal static string Diagnose(string release, IReadOnlyDictionary<string, string>? config, string configSource, Func<string, bool>? moduleLoaded = null) =>
        $"no {DevIommu}: this host cannot serve iommufd (kernel {release}).\n  - " + string.Join("\n  - ", Missing(release, config, configSource, moduleLoaded)) +
        "\n  iommufd needs Linux >= 6.2 with CONFIG_IOMMUFD, VFIO device cdevs Linux >= 6.6 with CONFIG_VFIO_DEVICE_CDEV." +
        "\n  What a kernel without them offers is the legacy VFIO type1 container (/dev/vfio/vfio with the devices' groups" +
        "\n  /dev/vfio/N): VfioDeviceSet.Open takes it there (Backend Type1) and maps DMA through the same IDmaMapper.";

    private static List<string> Missing(string release, IReadOnlyDictionary<string, string>? config, string configSource, Func<string, bool>? moduleLoaded = null)
    {
        moduleLoaded ??= name => Directory.Exists($"/sys/module/{name}");
        var missing = new List<string>();
        if (Version(release) is { } version)
        {
            if (version < new Version(6, 2)) missing.Add($"kernel {release} is older than 6.2, the first with iommufd");
            else if (version < new Version(6, 6)) missing.Add($"kernel {release} is older than 6.6, the first with VFIO device cdevs");
        }
        if (config is null)
        {
            missing.Add($"the kernel configuration is not readable ({configSource}): check CONFIG_IOMMUFD, CONFIG_VFIO and CONFIG_VFIO_DEVICE_CDEV");
        }
        else
        {
            foreach (var (option, module) in new[] { ("CONFIG_IOMMUFD", "iommufd"), ("CONFIG_VFIO", "vfio"), ("CONFIG_VFIO_DEVICE_CDEV", "vfio") })
            {
                switch (config.GetValueOrDefault(option))
                {
                    case "y": break;
                    case "m" when moduleLoaded(module): break;
                    case "m": missing.Add($"{option}=m in {configSource}: load the module (modprobe {module})"); break;
                    default: missing.Add($"{option} is not set in {configSource}: this kernel was built without it (the distribution's choice; no module to load)"); break;
                }
            }
        }
        if (missing.Count == 0) missing.Add($"the kernel has what iommufd needs, but {DevIommu} is not there: is devtmpfs mounted, or is this a container without the device?");
        return missing;
    }

    private static Version? Version(string release) =>
        ReleaseVersion().Match(release) is { Success: true } m ? new Version(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value)) : null;

    /// <summary>The running kernel's release (uname -r).</summary>
    internal static string KernelRelease() => File.ReadAllText("/proc/sys/kernel/osrelease").Trim();

    /// <summary>The running kernel's options from /proc/config.gz (CONFIG_IKCONFIG_PROC) or /boot/config-RELEASE.</summary>
    private static Dictionary<string, string>? ReadConfig(string release, out string source)
    {
        var boot = $"/boot/config-{release}";
        source = $"/proc/config.gz or {boot}";
        string? text = null;
        if (File.Exists("/proc/config.gz"))
        {
            using var gz = new GZipStream(File.OpenRead("/proc/config.gz"), CompressionMode.Decompress);
            text = new StreamReader(gz).ReadToEnd();
            source = "/proc/config.gz";
        }
        else if (File.Exists(boot))
        {
            text = File.ReadAllText(boot);
            source = boot;
        }
        return text is null ? null : ParseConfig(text);
    }

    /// <summary>NAME=VALUE lines of a kernel .config ("# NAME is not set" lines leave NAME out).</summary>
    internal static Dictionary<string, string> ParseConfig(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("CONFIG_", StringComparison.Ordinal) && l.Contains('='))
            .Select(l => l.Split('=', 2)).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);

    [GeneratedRegex(@"^(\d+)\.(\d+)")]
    private static partial Regex ReleaseVersion();
}
