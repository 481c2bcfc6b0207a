namespace Linux.Iommu.Planner;

/// <summary>Recorded hosts prepared for <see cref="ViommuPlanner.Place"/>: each record is read once and what the
/// planner asks of it computed once (the IOAS of all its devices, its kernel, its topology), with equal IOMMUs, IOASes
/// and kernels of different hosts made one fact, so that placing a spec evaluates each rule once per distinct fact.
/// Memory is linear in the hosts.</summary>
public sealed class HostFleet
{
    /// <summary>A fleet of these hosts, in this order.</summary>
    /// <exception cref="ArgumentException">Two hosts have one name, or there is none.</exception>
    public HostFleet(IEnumerable<FleetHost> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        Hosts = [.. hosts];
        if (Hosts.Count == 0) throw new ArgumentException("a fleet needs at least one host", nameof(hosts));
        var twice = Hosts.GroupBy(h => h.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null) throw new ArgumentException($"two hosts are named '{twice.Key}'", nameof(hosts));
        var interner = new RecordedHostFacts.Interner();
        Facts = [.. Hosts.Select(h => new RecordedHostFacts(h.Record, interner))];
    }

    /// <summary>The hosts, in the order placements list them.</summary>
    public IReadOnlyList<FleetHost> Hosts { get; }

    /// <summary>What the planner reads of each host, in <see cref="Hosts"/>' order.</summary>
    internal IReadOnlyList<RecordedHostFacts> Facts { get; }

    /// <summary>Reads the recorded hosts (<see cref="RecordedHostJson"/>) at <paramref name="paths"/>: each a record,
    /// or a folder whose <c>*.json</c> files are records (taken in name order). A host is named by its file's name
    /// without <c>.json</c>.</summary>
    /// <exception cref="RecordedHostException">The first path that is missing, a folder without records, a record that
    /// cannot be read (its field or line named), or a second file of a name already taken.</exception>
    public static HostFleet Load(IEnumerable<string> paths)
    {
        var hosts = new List<FleetHost>();
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in paths.SelectMany(RecordFiles))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (!files.TryAdd(name, file)) throw new RecordedHostException(file, "(file)", $"names the host '{name}' as {files[name]} does: a fleet's hosts need distinct file names");
            hosts.Add(new FleetHost(name, RecordedHostJson.Load(file)));
        }
        return new HostFleet(hosts);
    }

    private static IEnumerable<string> RecordFiles(string path)
    {
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path)) throw new RecordedHostException(path, "(file)", "does not exist");
        var files = Directory.GetFiles(path, "*.json").Order(StringComparer.Ordinal).ToList();
        return files.Count > 0 ? files : throw new RecordedHostException(path, "(folder)", "holds no recorded host (*.json)");
    }
}
