using Iommu.Abi;

namespace Vm.Tests;

/// <summary>The header scanner's ABI model of the running architecture (headers/models/linux-7.3/x86_64.json or
/// aarch64.json, copied next to this assembly at build time), read with the shared model reader. Every ioctl
/// number and struct offset the raw-ioctl tests use comes from here: nobody hand-writes them.</summary>
internal static class KernelModel
{
    public static readonly string Arch =
        System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "aarch64" : "x86_64";

    private static readonly Lazy<AbiModel> s_linux73 = new(() => Load(Path.Combine(AppContext.BaseDirectory, "abi", "linux-7.3", $"{Arch}.json")));

    public static AbiModel Linux73 => s_linux73.Value;

    private static AbiModel Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"ABI model {path} is missing. It is copied from headers/models/linux-7.3/{Arch}.json at build " +
                "time: generate that with the header scanner (generator/Scanner), then rebuild Vm.Tests.", path);
        return ModelReader.Read(path, File.ReadAllText(path));
    }

    public static ulong Request(this AbiModel model, string ioctl) =>
        model.Ioctls.FirstOrDefault(i => i.Name == ioctl)?.Request ?? throw new KeyNotFoundException($"'{ioctl}' is not an ioctl of the ABI model");

    public static RecordDecl Record(this AbiModel model, string name) =>
        model.Records.FirstOrDefault(r => r.Name == name) ?? throw new KeyNotFoundException($"'{name}' is not a record of the ABI model");

    /// <summary>The byte offset of a named top-level field, after checking it has the size the test writes.</summary>
    public static int Offset(this RecordDecl record, string field, int expectedSize)
    {
        var f = record.Fields.FirstOrDefault(x => x.Name == field) ?? throw new KeyNotFoundException($"struct {record.Name} has no field '{field}' in the ABI model");
        if (f.Type.Size != expectedSize)
            throw new InvalidOperationException($"struct {record.Name}.{field} is {f.Type.Size} bytes in the model, the test expects {expectedSize}");
        return checked((int)f.Offset);
    }
}
