using System.Globalization;

namespace Linux.Iommu;

/// <summary>How this library, the planner and the tools write values for people: one wording everywhere.</summary>
public static class Readable
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

    /// <summary>"yes" or "no".</summary>
    public static string YesNo(bool value) => value ? "yes" : "no";

    /// <summary>A byte count in the largest binary unit it reaches: exact when it is a whole number of that unit
    /// ("4 KiB", "2 MiB"), else with up to two decimals ("1.5 GiB", "3.98 GiB").</summary>
    public static string Bytes(ulong bytes)
    {
        var unit = 0;
        while (unit + 1 < Units.Length && bytes >> (10 * (unit + 1)) != 0) unit++;
        var whole = bytes >> (10 * unit);
        return whole << (10 * unit) == bytes
            ? $"{whole} {Units[unit]}"
            : $"{(bytes / Math.Pow(1024, unit)).ToString("0.##", CultureInfo.InvariantCulture)} {Units[unit]}";
    }
}
