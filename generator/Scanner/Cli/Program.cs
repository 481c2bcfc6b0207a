using Iommu.Scanner;
using Iommu.Scanner.Cli;

try
{
    return Commands.Run(args);
}
catch (ScanException e)
{
    Console.Error.WriteLine(e.ToString());
    return 1;
}
catch (UsageException e)
{
    Console.Error.WriteLine($"iommu-scan: {e.Message}");
    Console.Error.WriteLine(Commands.Usage(e.Command));
    return 2;
}
catch (FileArgumentException e)
{
    Console.Error.WriteLine($"iommu-scan: {e.Message}");
    return 2;
}
