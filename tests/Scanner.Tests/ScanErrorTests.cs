using Iommu.Scanner.Scan;
using Iommu.Scanner.Tests.Support;

namespace Iommu.Scanner.Tests;

/// <summary>Bad input stops the scan with a stable ID, the header line, and what was not understood —
/// never a partial model.</summary>
public class ScanErrorTests
{
    private static ScanException ScanFails(string source, string arch = "x86_64")
    {
        using var headers = new SyntheticHeaders(source);
        return Assert.Throws<ScanException>(() =>
            HeaderSetScanner.Scan(new ScanRequest(headers.Root, [SyntheticHeaders.Header], arch, new HeaderSet("bad", "none", "0"))));
    }

    /// <summary>A synthetic header per error: (what is wrong, the header, the ID, the line the error names, what the
    /// message quotes).</summary>
    public static TheoryData<string, string, string, int, string> HeaderErrors => new()
    {
        { "a header that does not parse (the line missing its ';')", "#include <linux/types.h>\nstruct broken {\n\t__u32 a\n\t__u32 b;\n};\n", "SCAN007", 3, "expected ';'" },
        { "an include the header set lacks", "#include <linux/types.h>\n#include <stdio.h>\n", "SCAN007", 2, "'stdio.h' file not found" },
        { "an unknown macro form", "#include <linux/types.h>\n#define SCAN_OK 1\n#define SCAN_TYPE_ALIAS struct foo\n", "SCAN020", 3, "SCAN_TYPE_ALIAS struct foo" },
        { "a macro redefined with another body (both bodies, the second line)", "#include <linux/types.h>\n#define SCAN_TWICE (1 << 0)\n#define SCAN_TWICE (1 << 1)\n", "SCAN022", 3, "'( 1 << 0 )' at line 2, then '( 1 << 1 )'" },
        { "an unsupported field type", "struct with_float {\n\tint a;\n\tfloat ratio;\n};\n", "SCAN012", 3, "'float'" },
        { "a function pointer field", "struct with_callback {\n\tvoid (*callback)(int);\n};\n", "SCAN012", 2, "'void (*)(int)'" },
    };

    [Theory]
    [MemberData(nameof(HeaderErrors))]
    public void A_header_error_names_its_id_file_line_and_what_was_not_understood(string wrong, string source, string id, int line, string quoted)
    {
        var e = ScanFails(source);

        Assert.True(id == e.Id, $"{wrong}: expected {id}, got {e.Id}: {e.Message}");
        Assert.Equal(new SourceLocation(SyntheticHeaders.Header, line), e.Location);
        Assert.Contains(quoted, e.Message);
    }

    [Fact]
    public void A_missing_header_is_named()
    {
        var include = HeaderSets.Include("linux-7.3");
        var e = Assert.Throws<ScanException>(() =>
            HeaderSetScanner.Scan(new ScanRequest(include, ["linux/iommufd.h", "linux/no_such.h"], "x86_64", new HeaderSet("x", "none", "0"))));

        Assert.Equal("SCAN005", e.Id);
        Assert.Contains("linux/no_such.h", e.Message);
    }

    [Fact]
    public void An_include_the_header_set_lacks_is_a_parse_error_at_the_include_line()
    {
        var e = ScanFails("#include <linux/types.h>\n#include <stdio.h>\n");

        Assert.Equal("SCAN007", e.Id);
        Assert.Equal(2, e.Location!.Line);
        Assert.Contains("'stdio.h' file not found", e.Message);
    }

    [Fact]
    public void An_unknown_architecture_is_refused()
    {
        var e = Assert.Throws<ScanException>(() =>
            HeaderSetScanner.Scan(new ScanRequest("/nonexistent", ["linux/iommufd.h"], "riscv64", new HeaderSet("x", "none", "0"))));

        Assert.Equal("SCAN003", e.Id);
        Assert.Contains("x86_64, aarch64", e.Message);
    }

    [Fact]
    public void A_missing_include_directory_is_named()
    {
        var e = Assert.Throws<ScanException>(() =>
            HeaderSetScanner.Scan(new ScanRequest("/nonexistent/include", ["linux/iommufd.h"], "x86_64", new HeaderSet("x", "none", "0"))));

        Assert.Equal("SCAN004", e.Id);
        Assert.Contains("/nonexistent/include", e.Message);
    }
}
