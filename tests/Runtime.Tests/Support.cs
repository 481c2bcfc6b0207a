namespace Linux.Iommu.Tests;
