namespace Iommu.Scanner.Cli;

/// <summary>The command line is wrong: the message, then the usage of <see cref="Command"/> (all commands when it is
/// null); exit 2.</summary>
internal sealed class UsageException(string message, string? command = null) : Exception(message)
{
    public string? Command { get; } = command;
}
