using System.CommandLine;
using System.CommandLine.Parsing;

namespace Linux.Iommu.Cli;

/// <summary>A command line that does not parse: each error, then the usage of the command it was meant for, on stderr;
/// exit 2.</summary>
internal static class UsageErrors
{
    public static int Report(RootCommand root, ParseResult parsed)
    {
        foreach (var error in parsed.Errors) Console.Error.WriteLine($"iommu: {error.Message}");
        Console.Error.WriteLine();
        root.Parse([.. CommandPath(parsed.CommandResult), "--help"]).Invoke(new InvocationConfiguration { Output = Console.Error });
        return ExitCodes.Usage;
    }

    /// <summary>The subcommand names from the root down to <paramref name="command"/> (e.g. nvme, read).</summary>
    private static IEnumerable<string> CommandPath(CommandResult command)
    {
        var names = new Stack<string>();
        for (var at = command; at.Parent is CommandResult parent; at = parent) names.Push(at.Command.Name);
        return names;
    }
}
