namespace Linux.Iommu.Bench.Suites;

/// <summary><see cref="BatchBench"/>'s cases on a VFIO type1 container holding the edu device's group
/// (VFIO_IOMMU_MAP_DMA): what <see cref="BatchMapper"/> gives on a kernel without iommufd. C side: bench/c/type1.c.</summary>
public class Type1BatchBench : BatchBench
{
    protected override Type1Bench.Interface Backend => Type1Bench.Interface.Type1;
}
