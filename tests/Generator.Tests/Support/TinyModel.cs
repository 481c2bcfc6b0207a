namespace Linux.Iommu.Interop.Generator.Tests.Support;

/// <summary>Small hand-written models (the format of headers/MODEL.md) for unit tests of one construct at a time.</summary>
internal static class TinyModel
{
    public const string ModelPath = "/project/models/tiny.json";

    public static string U32 => """{ "kind": "int", "c": "__u32", "size": 4, "align": 4, "signed": false }""";
    public static string S32 => """{ "kind": "int", "c": "__s32", "size": 4, "align": 4, "signed": true }""";
    public static string U64 => """{ "kind": "int", "c": "__aligned_u64", "size": 8, "align": 8, "signed": false }""";
    public static string U8 => """{ "kind": "int", "c": "__u8", "size": 1, "align": 1, "signed": false }""";

    public static string Field(string name, long offset, string type, string extra = "") =>
        $$"""{ "name": "{{name}}", "offset": {{offset}}, "type": {{type}}, "location": "linux/tiny.h:1"{{extra}} }""";

    public static string Record(string name, long size, long align, string fields, string kind = "struct", string extra = "") =>
        $$"""{ "name": "{{name}}", "kind": "{{kind}}", {{extra}}"size": {{size}}, "align": {{align}}, "location": "linux/tiny.h:10", "doc": "{{name}} - a test record", "fields": [{{fields}}] }""";

    public static string Build(string records = "", string enums = "", string constants = "", string ioctls = "", string arch = "x86_64") =>
        $$"""
        {
          "schema": 1,
          "scanner": "hand-written",
          "headerSet": { "name": "tiny", "package": "none", "version": "0" },
          "arch": "{{arch}}",
          "triple": "{{arch}}-linux-gnu",
          "headers": ["linux/tiny.h"],
          "records": [{{records}}],
          "enums": [{{enums}}],
          "constants": [{{constants}}],
          "ioctls": [{{ioctls}}]
        }
        """;

    public static string Ioctl(string name, ulong request, string? record) =>
        $$"""{ "name": "{{name}}", "request": {{request}}, "macro": "_IO", "direction": "none", "type": 59, "nr": {{request & 0xff}}, "size": 0, "expression": "_IO(';', 0)", {{(record is null ? "" : $$"""
        "argument": { "record": "{{record}}", "source": "kernel-doc" },
        """)}} "location": "linux/tiny.h:20", "doc": "{{name}} - a test ioctl" }""";
}
