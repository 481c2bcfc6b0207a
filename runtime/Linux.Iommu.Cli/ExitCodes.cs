namespace Linux.Iommu.Cli;

/// <summary>What <c>iommu</c> returns (the tool's README, and every command's --help).</summary>
internal static class ExitCodes
{
    /// <summary>Done; for <c>plan</c>: the VM can start (Nested or Shadow).</summary>
    public const int Ok = 0;
    /// <summary>An error while running: bad spec or recorded host content, no iommufd or VFIO device, a kernel call that failed.</summary>
    public const int Error = 1;
    /// <summary>The command line itself is wrong (unknown option, missing or conflicting options), or a file it names is
    /// missing, unreadable or cannot be written.</summary>
    public const int Usage = 2;
    /// <summary><c>plan</c>: Refused, the VM must not start; <c>place</c>: a spec is Refused on every host.</summary>
    public const int Refused = 3;

    /// <summary>The text <c>place --help</c> shows.</summary>
    public const string PlaceHelp = "Exit codes: 0 every spec placed on some host (Nested or Shadow), 3 some spec refused on every host, 1 error (a spec or recorded host whose content is wrong), 2 usage (or a file or folder named that cannot be read).";

    /// <summary>The text --help shows.</summary>
    public const string Help = "Exit codes: 0 planned (Nested or Shadow) or done, 3 refused (the VM must not start), 1 error, 2 usage (or a file named that cannot be read or written).";
}
