using Linux.Iommu;
using Linux.Iommu.Planner;

// A VMM's planning step against a recorded host: no /dev/iommu needed. Usage: PlannerApp SPEC.json HOST.json
var planner = new ViommuPlanner();
GuestViommuSpec spec = planner.LoadSpec(args[0]);
RecordedHost host = RecordedHostJson.Load(args[1]);
HwInfo first = host.Devices[0].HwInfo;
Console.WriteLine($"/dev/iommu present: {File.Exists("/dev/iommu")}");
Console.WriteLine($"host IOMMU: {first.Type} ({nameof(HwInfoType)}), capabilities {first.Capabilities}");
PlanReport report = planner.Plan(spec, host);
Console.Write(report.Describe());
Console.WriteLine($"decision: {report.Decision}");
return report.Decision == PlanDecision.Refused ? 3 : 0;
