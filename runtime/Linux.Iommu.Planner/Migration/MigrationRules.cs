using Id = Linux.Iommu.Planner.RequirementId;
using Rule = Linux.Iommu.Planner.MigrationRule;

namespace Linux.Iommu.Planner;

/// <summary>Which kind of value each of the planner's requirements compares (<see cref="MigrationRule"/>). The checks
/// themselves stay the planner's: a migration re-runs them on the destination against the guest's values.</summary>
internal static class MigrationRules
{
    private static readonly Dictionary<string, Rule> ById = new()
    {
        [Id.HostModel] = Rule.Exact,
        [Id.HostDirtyTracking] = Rule.Feature,
        [Id.HostPasidWidth] = Rule.AtLeast,
        [Id.VtdGuestFirstStage] = Rule.Guest,
        [Id.VtdCachingMode] = Rule.Guest,
        [Id.VtdNest] = Rule.Feature,
        [Id.VtdFirstStage] = Rule.Feature,
        [Id.VtdScalableMode] = Rule.Feature,
        [Id.VtdAddressWidth] = Rule.AtLeast,
        [Id.VtdFirstStage1GiBPages] = Rule.Feature,
        [Id.VtdPageRequests] = Rule.Feature,
        [Id.VtdErratum772415] = Rule.Reported,
        [Id.SmmuV3Stages] = Rule.Feature,
        [Id.SmmuV3StreamTableLevels] = Rule.Exact,
        [Id.SmmuV3TableFormat] = Rule.Exact,
        [Id.SmmuV3StreamIdBits] = Rule.AtLeast,
        [Id.SmmuV3SubstreamIdBits] = Rule.AtLeast,
        [Id.SmmuV3RangeInvalidation] = Rule.Feature,
        [Id.SmmuV3OutputAddressSize] = Rule.AtLeast,
        [Id.SmmuV3Granules] = Rule.Exact,
        [Id.SmmuV3PageRequests] = Rule.Feature,
        [Id.SmmuV3ErratumRepeatTlbiCfgi] = Rule.Reported,
        [Id.AmdGuestTranslation] = Rule.Feature,
        [Id.AmdGuestLevels] = Rule.AtLeast,
        [Id.AmdPasidWidth] = Rule.AtLeast,
        [Id.AmdPageRequests] = Rule.Feature,
        [Id.ShadowIovaRange] = Rule.Covers,
        [Id.ShadowAddressWidth] = Rule.AtLeast,
        [Id.ShadowGuestTables] = Rule.Guest,
        [Id.ShadowPageSize] = Rule.AtMost,
        [Id.OneHostIommu] = Rule.Exact,
        [Id.KernelAllocatesNested] = Rule.Feature,
        [Id.KernelIommufd] = Rule.Feature,
        [Id.KernelViommuAlloc] = Rule.Feature,
        [Id.SharedIommuGroup] = Rule.Exact,
        [Id.HotPlugSameHostIommu] = Rule.Exact,
        [Id.HotPlugAttach] = Rule.Feature,
        [Id.MigrationArchitecture] = Rule.Exact,
        [Id.MigrationDevice] = Rule.Present,
        [Id.MigrationIommuGroups] = Rule.Exact,
        [Id.MigrationDirtyTracking] = Rule.Feature,
    };

    /// <summary>The rule of <paramref name="id"/>; <see cref="Rule.Model"/> for a plug-in model's own id.</summary>
    public static Rule Of(string id) => ById.GetValueOrDefault(id, Rule.Model);

    /// <summary>The ids with a rule (every <see cref="RequirementId"/>: a test holds the two lists equal).</summary>
    public static IEnumerable<string> Classified => ById.Keys;

    /// <summary>How reports and JSON name a rule: <c>exact</c>, <c>at-least</c>, ….</summary>
    public static string Text(Rule rule) => MigrationJson.Kebab(rule);
}
