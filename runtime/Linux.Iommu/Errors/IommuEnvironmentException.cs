namespace Linux.Iommu;

/// <summary>The machine is not set up for what was asked: a device not bound to vfio-pci, a VFIO group that is not
/// viable, a missing device node, driver or kernel option. <see cref="Problem"/> names what is missing and
/// <see cref="Fix"/> how to provide it. An <see cref="IommuException"/> like every failure of this library, so one catch
/// covers them all; <see cref="IommuException.Errno"/> is the kernel's errno when a call revealed the problem (ENOENT
/// from opening a device node), else 0.</summary>
public sealed class IommuEnvironmentException : IommuException
{
    /// <summary>While doing <paramref name="operation"/> ("open VFIO group 12"), <paramref name="problem"/> was found;
    /// <paramref name="fix"/> says what to do about it.</summary>
    public IommuEnvironmentException(string operation, string problem, string? fix = null, int errno = 0, Exception? innerException = null)
        : base(operation, errno, null, Format(operation, problem, fix, errno), innerException)
    {
        Problem = problem;
        Fix = fix;
    }

    /// <summary>What is missing or wrong ("not viable: device 0000:00:04.0 of the group is bound to e1000e").</summary>
    public string Problem { get; }

    /// <summary>How to set the machine up for the call, or null when there is nothing to suggest.</summary>
    public string? Fix { get; }

    private static string Format(string operation, string problem, string? fix, int errno) =>
        $"{operation}: {problem}{(errno == 0 ? "" : $" ({Linux.Iommu.Errno.Name(errno)})")}{(fix is null ? "" : $"; {fix}")}";
}
