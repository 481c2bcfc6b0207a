using Iommu.Scanner.Model;
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

    [Fact]
    public void A_header_that_does_not_parse_names_file_and_line()
    {
        var e = ScanFails("#include <linux/types.h>\nstruct broken {\n\t__u32 a\n\t__u32 b;\n};\n");

        Assert.Equal("SCAN007", e.Id);
        Assert.Equal(new SourceLocation(SyntheticHeaders.Header, 3), e.Location); // the line missing its ';'
        Assert.Contains("expected ';'", e.Message);
    }

    [Fact]
    public void An_unknown_macro_form_names_the_macro_and_its_line()
    {
        var e = ScanFails("#include <linux/types.h>\n#define SCAN_OK 1\n#define SCAN_TYPE_ALIAS struct foo\n");

        Assert.Equal("SCAN020", e.Id);
        Assert.Equal(new SourceLocation(SyntheticHeaders.Header, 3), e.Location);
        Assert.Contains("SCAN_TYPE_ALIAS struct foo", e.Message);
    }

    [Fact]
    public void A_macro_redefined_with_another_body_names_both_bodies_and_the_second_line()
    {
        var e = ScanFails("#include <linux/types.h>\n#define SCAN_TWICE (1 << 0)\n#define SCAN_TWICE (1 << 1)\n");

        Assert.Equal("SCAN022", e.Id);
        Assert.Equal(new SourceLocation(SyntheticHeaders.Header, 3), e.Location);
        Assert.Contains("'( 1 << 0 )' at line 2, then '( 1 << 1 )'", e.Message);
    }

    [Fact]
    public void An_unsupported_construct_names_the_field_type_and_line()
    {
        var e = ScanFails("struct with_float {\n\tint a;\n\tfloat ratio;\n};\n");

        Assert.Equal("SCAN012", e.Id);
        Assert.Equal(new SourceLocation(SyntheticHeaders.Header, 3), e.Location);
        Assert.Contains("'float'", e.Message);
    }

    [Fact]
    public void A_function_pointer_field_is_an_unsupported_construct_too()
    {
        var e = ScanFails("struct with_callback {\n\tvoid (*callback)(int);\n};\n");

        Assert.Equal("SCAN012", e.Id);
        Assert.Equal(2, e.Location!.Line);
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
