using System.Text;

namespace Linux.Iommu.Planner;

/// <summary>Every move of one guest between recorded hosts: from each host (the VM with all that host's devices, in the
/// mode its plan takes there) to each host, the devices found by PCI address. Cells are <see cref="MigrationReport"/>s.</summary>
/// <param name="Hosts">The hosts' names, in row and column order.</param>
/// <param name="Cells">Row by row: the move from <c>Hosts[i]</c> to <c>Hosts[j]</c> is cell <c>i × Hosts.Count + j</c>.</param>
public sealed record MigrationMatrix(IReadOnlyList<string> Hosts, IReadOnlyList<MigrationReport> Cells)
{
    /// <summary>The move from host <paramref name="from"/> to host <paramref name="to"/> (indexes into <see cref="Hosts"/>).</summary>
    public MigrationReport this[int from, int to] => Cells[from * Hosts.Count + to];

    /// <summary>Checks every ordered pair of the hosts of <paramref name="fleet"/> (a host to itself included) for <paramref name="guest"/>.</summary>
    /// <exception cref="ArgumentException">The planner does not have the spec's model.</exception>
    public static MigrationMatrix Check(ViommuPlanner planner, GuestViommuSpec guest, HostFleet fleet)
    {
        ArgumentNullException.ThrowIfNull(fleet);
        var cells = fleet.Hosts.SelectMany(from => fleet.Hosts.Select(to => planner.CheckMigration(guest, from.Record, to.Record))).ToList();
        return new MigrationMatrix([.. fleet.Hosts.Select(h => h.Name)], cells);
    }

    /// <summary>A table (rows: from, columns: to) of short answers, then each refused move and each host the VM cannot
    /// run on, with its reasons.</summary>
    public string Describe()
    {
        var rows = Hosts.Select((from, i) => new[] { from }.Concat(Hosts.Select((_, j) => Cell(this[i, j]))).ToArray()).ToList();
        var header = new[] { "from \\ to" }.Concat(Hosts).ToArray();
        var widths = header.Select((h, c) => rows.Select(r => r[c].Length).Append(h.Length).Max()).ToArray();
        string Line(string[] cells) => string.Join("  ", cells.Select((s, c) => s.PadRight(widths[c]))).TrimEnd() + "\n";
        var text = new StringBuilder(Line(header));
        foreach (var row in rows) text.Append(Line(row));
        for (var i = 0; i < Hosts.Count; i++)
        {
            if (this[i, 0].Verdict == MigrationVerdict.SourceRefused)
            {
                var reasons = this[i, 0].SourceFailures.Select(f => f.Requirement.Id).Distinct();
                text.Append($"{Hosts[i]}: the VM cannot run there (its plan is Refused: {string.Join(", ", reasons)})\n");
                continue;
            }
            for (var j = 0; j < Hosts.Count; j++)
            {
                foreach (var item in this[i, j].Blocking) text.Append($"{Hosts[i]} -> {Hosts[j]}: {item}\n");
            }
        }
        return text.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() => Describe();

    private static string Cell(MigrationReport move) => move.Verdict switch
    {
        MigrationVerdict.CanMove => $"move ({move.Mode})",
        MigrationVerdict.Refused => $"refused ({string.Join(", ", move.Blocking.Select(i => i.Id).Distinct())})",
        _ => "cannot run",
    };
}
