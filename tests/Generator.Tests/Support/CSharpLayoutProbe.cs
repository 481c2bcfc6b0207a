using System.Globalization;
using System.Text;
using Iommu.Abi;

namespace Linux.Iommu.Interop.Generator.Tests.Support;

/// <summary>The C probe's twin for the generated C#: a source file, compiled with the generated code,
/// whose Facts() measures what the runtime really lays out (sizeof, alignment, field offsets by ref
/// arithmetic, bitfield bits, flexible-array start) and what the constants really are. Expected() states
/// the same facts from the model, whose numbers the scanner's tests check against gcc.</summary>
internal static class CSharpLayoutProbe
{
    public const string Namespace = "Linux.Iommu";

    public static string Source(AbiModel model)
    {
        var records = model.Records.ToDictionary(r => r.Name);
        var c = new StringBuilder();
        c.Append($$"""
            using System.Runtime.CompilerServices;
            using System.Runtime.InteropServices;
            using {{Namespace}};

            public static unsafe class LayoutProbe
            {
                [StructLayout(LayoutKind.Sequential)]
                private struct AlignProbe<T> where T : unmanaged { public byte Pad; public T Value; }

                private static long AlignOf<T>() where T : unmanaged
                {
                    AlignProbe<T> probe = default;
                    return (long)Unsafe.ByteOffset(ref probe.Pad, ref Unsafe.As<T, byte>(ref probe.Value));
                }

                private static long Offset<T, F>(ref T s, ref F field) =>
                    (long)Unsafe.ByteOffset(ref Unsafe.As<T, byte>(ref s), ref Unsafe.As<F, byte>(ref field));

                private static string Bits<T>(T s) where T : unmanaged
                {
                    var bytes = new System.ReadOnlySpan<byte>(&s, sizeof(T));
                    int first = -1, count = 0;
                    for (var i = 0; i < bytes.Length * 8; i++)
                        if ((bytes[i / 8] >> (i % 8) & 1) != 0) { if (first < 0) first = i; count++; }
                    return $"{first}/{count}";
                }

                public static System.Collections.Generic.List<(string, string)> Facts()
                {
                    var facts = new System.Collections.Generic.List<(string, string)>();

            """);
        foreach (var record in model.Records.Where(r => !r.IsAnonymous))
        {
            var type = record.Name;
            c.Append($"        {{\n            {type} s = default;\n");
            c.Append($"            facts.Add((\"{type} size\", sizeof({type}).ToString()));\n");
            c.Append($"            facts.Add((\"{type} align\", AlignOf<{type}>().ToString()));\n");
            var leaves = record.Flatten(records).ToList();
            var flexCount = leaves.Count(l => l.Field.Type.Kind == TypeKind.FlexibleArray);
            foreach (var (path, _, field) in leaves)
            {
                var member = Identifier(path);
                if (field.BitWidth is not null)
                {
                    c.Append($"            {{ {type} b = default; b.{member} = unchecked(({CSharpInt(field.Type)})~0UL); facts.Add((\"{type}.{path} bits\", Bits(b))); }}\n");
                }
                else if (field.Type.Kind == TypeKind.FlexibleArray)
                {
                    var prefix = flexCount == 1 ? "" : path + "_";
                    c.Append($"            facts.Add((\"{type}.{path} offset\", Offset(ref s, ref s.{prefix}AsSpan(1)[0]).ToString()));\n");
                }
                else
                {
                    c.Append($"            facts.Add((\"{type}.{path} offset\", Offset(ref s, ref s.{member}).ToString()));\n");
                }
            }
            c.Append("        }\n");
        }
        foreach (var decl in model.Enums)
        {
            var underlying = CSharpInt(decl.IntegerType);
            foreach (var value in decl.Constants)
            {
                var access = decl.Name is null ? $"Constants.{value.Name}" : $"{decl.Name}.{value.Name}";
                c.Append($"        facts.Add((\"{value.Name}\", (({underlying}){access}).ToString(System.Globalization.CultureInfo.InvariantCulture)));\n");
            }
        }
        foreach (var constant in model.Constants)
        {
            c.Append(constant.Kind == ConstantKind.String
                ? $"        facts.Add((\"{constant.Name}\", Constants.{constant.Name}));\n"
                : $"        facts.Add((\"{constant.Name}\", Constants.{constant.Name}.ToString(System.Globalization.CultureInfo.InvariantCulture)));\n");
        }
        foreach (var ioctl in model.Ioctls)
        {
            c.Append($"        facts.Add((\"{ioctl.Name} request\", Requests.{ioctl.Name}.ToString()));\n");
        }
        c.Append("        return facts;\n    }\n}\n");
        return c.ToString();
    }

    public static List<(string, string)> Expected(AbiModel model)
    {
        var records = model.Records.ToDictionary(r => r.Name);
        var facts = new List<(string, string)>();
        string N(long v) => v.ToString(CultureInfo.InvariantCulture);
        foreach (var record in model.Records.Where(r => !r.IsAnonymous))
        {
            facts.Add(($"{record.Name} size", N(record.Size)));
            facts.Add(($"{record.Name} align", N(record.Align)));
            foreach (var (path, offset, field) in record.Flatten(records))
            {
                facts.Add(field.BitWidth is { } width
                    ? ($"{record.Name}.{path} bits", $"{offset * 8 + field.BitOffset!.Value - field.Offset * 8}/{width}")
                    : ($"{record.Name}.{path} offset", N(offset)));
            }
        }
        facts.AddRange(model.Enums.SelectMany(e => e.Constants).Select(v => (v.Name, v.Value.ToString(CultureInfo.InvariantCulture))));
        facts.AddRange(model.Constants.Select(k => (k.Name, k.Kind == ConstantKind.String ? k.Text! : k.Value.ToString(CultureInfo.InvariantCulture))));
        facts.AddRange(model.Ioctls.Select(i => ($"{i.Name} request", i.Request.ToString(CultureInfo.InvariantCulture))));
        return facts;
    }

    private static string CSharpInt(TypeRef type) => (type.Size, type.Signed) switch
    {
        (1, true) => "sbyte", (1, false) => "byte", (2, true) => "short", (2, false) => "ushort",
        (4, true) => "int", (4, false) => "uint", (8, true) => "long", _ => "ulong",
    };

    private static string Identifier(string name) =>
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + name : name;
}
