namespace Linux.Iommu.Nvme;

/// <summary>An NVMe command that did not complete successfully; names the command (opcode, identifier, queue).</summary>
public class NvmeException : IOException
{
    /// <summary>Creates the exception.</summary>
    public NvmeException(string command, string message) : base($"{command}: {message}") => Command = command;

    /// <summary>The command, e.g. <c>Read (opcode 0x02, cid 3, I/O queue 1, LBA 0x10, 8 blocks)</c>.</summary>
    public string Command { get; }
}

/// <summary>The controller completed the command with an error status.</summary>
public sealed class NvmeStatusException : NvmeException
{
    /// <summary>Creates the exception.</summary>
    public NvmeStatusException(string command, NvmeStatus status) : base(command, $"failed with {status}") => Status = status;

    /// <summary>The completion's status.</summary>
    public NvmeStatus Status { get; }
}

/// <summary>The command did not complete in time; <see cref="ControllerFatal"/> says whether the controller had reported a
/// fatal status (CSTS.CFS, e.g. it could not write the completion queue). The controller is unusable afterwards: dispose it.</summary>
public sealed class NvmeTimeoutException : NvmeException
{
    /// <summary>Creates the exception.</summary>
    public NvmeTimeoutException(string command, TimeSpan waited, bool controllerFatal)
        : base(command, $"no completion after {waited.TotalMilliseconds:F0} ms{(controllerFatal ? "; the controller reports a fatal status (CSTS.CFS)" : "")}")
        => ControllerFatal = controllerFatal;

    /// <summary>CSTS.CFS was set when the wait ended.</summary>
    public bool ControllerFatal { get; }
}
