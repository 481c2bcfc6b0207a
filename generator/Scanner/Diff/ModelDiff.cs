namespace Iommu.Scanner.Diff;
public sealed record DiffReport(bool HasBreak);
public static class ModelDiff { public static DiffReport Compare(Model.AbiModel a, Model.AbiModel b) => throw new NotImplementedException(); }
public static class DiffReportWriter { public static string Json(DiffReport r) => ""; public static string Table(DiffReport r) => ""; }
