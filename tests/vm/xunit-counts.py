#!/usr/bin/env python3
"""Counts the tests of one xunit v3 XML result file: passed, failed (failures and errors), not applicable (skips
whose reason starts with "not applicable:", GuestKernel.Require's), other (any other skip, or not run), total.

  tests/vm/xunit-counts.py FILE     -> "212 0 40 0 252"

A test that is neither passed nor failed nor not applicable is "other", which the tier counts as failed: nothing is
skipped silently. Exit 1 naming the file when it does not parse or has no assembly element.
"""
import sys
import xml.etree.ElementTree as ElementTree

NOT_APPLICABLE = "not applicable:"


def main(path):
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as error:
        sys.exit(f"xunit-counts: {path}: {error}")
    if root.find(".//assembly") is None and root.tag != "assembly":
        sys.exit(f"xunit-counts: {path}: no assembly element")
    passed = failed = not_applicable = other = 0
    for test in root.iter("test"):
        result = test.get("result")
        reason = (test.findtext("reason") or "").strip()
        if result == "Pass":
            passed += 1
        elif result == "Fail":
            failed += 1
        elif result == "Skip" and reason.startswith(NOT_APPLICABLE):
            not_applicable += 1
        else:
            other += 1
    errors = sum(int(a.get("errors", "0")) for a in root.iter("assembly"))
    print(passed, failed + errors, not_applicable, other, passed + failed + not_applicable + other)


if len(sys.argv) != 2:
    sys.exit("usage: xunit-counts.py FILE")
main(sys.argv[1])
