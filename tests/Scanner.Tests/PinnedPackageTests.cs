using Iommu.Scanner.Tests.Support;

namespace Iommu.Scanner.Tests;

/// <summary>headers/fetch-package.sh against Debian's real mirrors: pins are verified, a vanished pin is
/// named with its successor, a hash mismatch is refused. Each test uses its own lock file and cache.</summary>
public class PinnedPackageTests
{
    private static ProcessResult Fetch(string lockLine, string package, out string cache)
    {
        cache = Directory.CreateTempSubdirectory("iommu-fetch-").FullName;
        var lockFile = Path.Combine(cache, "packages.lock");
        File.WriteAllText(lockFile, "# test lock\n" + lockLine + "\n");
        return Processes.Run("bash", [Repo.Path("headers", "fetch-package.sh"), package],
            new Dictionary<string, string> { ["IOMMU_INTEROP_LOCK"] = lockFile, ["IOMMU_INTEROP_CACHE"] = cache });
    }

    [Fact]
    public void A_pinned_version_Debian_no_longer_serves_is_named_with_the_newest_of_its_series()
    {
        var result = Fetch("linux-libc-dev 6.12.1-1 all 0000000000000000000000000000000000000000000000000000000000000000 trixie", "linux-libc-dev", out _);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("linux-libc-dev 6.12.1-1 (pinned in", result.Stderr);
        Assert.Matches(@"newest served version of the same series: 6\.12\.\d+-\d+", result.Stderr);
    }

    [Fact]
    public void A_vanished_arm64_pin_of_the_aarch64_guest_root_is_named_with_the_newest_of_its_series()
    {
        var result = Fetch("libc6 2.36-1 arm64 0000000000000000000000000000000000000000000000000000000000000000 bookworm", "libc6", out _);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("libc6 2.36-1 (pinned in", result.Stderr);
        Assert.Matches(@"newest served version of the same series: 2\.36-9\+deb12u\d+", result.Stderr);
    }

    [Fact]
    public void A_QEMU_pin_that_is_no_longer_served_is_named_with_the_newest_served_version()
    {
        var result = Processes.Run("bash", [Repo.Path("tests", "vm", "install-qemu.sh"), "--check", "1:10.0.0+ds-1~bpo12+1"]);

        Assert.Equal(125, result.ExitCode);
        Assert.Contains("qemu-system-x86 1:10.0.0+ds-1~bpo12+1 (pinned in tests/vm/lib.sh) is no longer served", result.Stderr);
        Assert.Matches(@"newest served: 1:10\.\d+\.\d+\+ds", result.Stderr);
    }

    [Fact]
    public void The_QEMU_pin_is_served()
    {
        var result = Processes.Run("bash", [Repo.Path("tests", "vm", "install-qemu.sh"), "--check"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        Assert.Contains("qemu-system-x86 qemu-system-arm 1:10.0.2+ds", result.Stderr);
    }

    [Fact]
    public void A_download_whose_sha256_differs_from_the_pin_is_refused_and_deleted()
    {
        var pinned = File.ReadAllLines(Repo.Path("headers", "packages.lock")).First(l => l.StartsWith("linux-libc-dev 6.12", StringComparison.Ordinal));
        var fields = pinned.Split(' ');
        fields[3] = new string('a', 64);

        var result = Fetch(string.Join(' ', fields), "linux-libc-dev", out var cache);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains($"sha256 mismatch for linux-libc-dev {fields[1]}: pinned {fields[3]}", result.Stderr);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(cache, "debs"), "*.deb"));
    }

    [Fact]
    public void A_package_that_is_not_pinned_is_refused()
    {
        var result = Fetch("linux-libc-dev 6.12.117-1 all 00 trixie", "no-such-package", out _);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no-such-package is not pinned", result.Stderr);
    }

    [Fact]
    public void Every_pin_of_the_lock_file_names_a_served_package_with_its_hash()
    {
        var lines = File.ReadAllLines(Repo.Path("headers", "packages.lock")).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        Assert.All(lines, line => Assert.Matches(@"^[a-z0-9.+-]+ \S+ (all|amd64|arm64) [0-9a-f]{64} [a-z-]+$", line));
    }
}
