using Linux.Iommu.Planner;

namespace Linux.Iommu.Cli;

/// <summary><c>iommu place</c>: the decision for every guest spec on every recorded host of a fleet (files of
/// <c>iommu probe --save</c>, or folders of them), each with the requirement that decided it, as a table or as JSON
/// (<see cref="FleetPlacementJson"/>). Every spec is read and validated, then every record, before anything is decided;
/// a bad one is named and nothing is printed. Exit 0 when every spec is placed on some host, 3 when one is refused on
/// every host.</summary>
internal static class PlaceCommand
{
    public static int Run(string[] specFiles, string[] hostPaths, bool json)
    {
        var specs = specFiles.Select(file => (Name(file), PlanCommand.Planner.LoadSpec(Path.GetFullPath(file)))).ToList();
        var fleet = HostFleet.Load(hostPaths.Select(Path.GetFullPath));
        var placement = PlanCommand.Planner.Place(specs, fleet);
        if (json)
        {
            using var stdout = Console.OpenStandardOutput();
            FleetPlacementJson.Write(placement, stdout);
        }
        else
        {
            Console.Write(placement.Describe());
        }
        return placement.Unplaced.Count > 0 ? ExitCodes.Refused : ExitCodes.Ok;
    }

    /// <summary>How the table and the JSON name a spec: its file's name without <c>.json</c>.</summary>
    public static string Name(string specFile) => Path.GetFileNameWithoutExtension(specFile);

    /// <summary>The first name two spec files share, if any (a usage error: the columns could not be told apart).</summary>
    public static string? NameGivenTwice(IEnumerable<string> specFiles) =>
        specFiles.GroupBy(Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
}
