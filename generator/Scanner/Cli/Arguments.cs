namespace Iommu.Scanner.Cli;

/// <summary>--name value options (repeatable) and positionals; small enough not to need a parser library.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly string _command;

    public List<string> Positionals { get; } = [];

    /// <param name="options">the options that take a value; any other --name that is not a flag is a usage error</param>
    public Arguments(string command, IEnumerable<string> args, IReadOnlySet<string> options, IReadOnlySet<string> flags)
    {
        _command = command;
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                Positionals.Add(arg);
            }
            else if (flags.Contains(arg))
            {
                _flags.Add(arg);
            }
            else if (!options.Contains(arg))
            {
                throw new UsageException($"unknown option {arg}", command);
            }
            else if (e.MoveNext())
            {
                (_options.TryGetValue(arg, out var list) ? list : _options[arg] = []).Add(e.Current);
            }
            else
            {
                throw new UsageException($"option {arg} needs a value", command);
            }
        }
    }

    public bool Flag(string name) => _flags.Contains(name);

    public string Required(string name) =>
        _options.TryGetValue(name, out var values) ? values[^1] : throw new UsageException($"missing {name}", _command);

    public string? Optional(string name) => _options.TryGetValue(name, out var values) ? values[^1] : null;

    public IReadOnlyList<string> All(string name) => _options.TryGetValue(name, out var values) ? values : [];
}
