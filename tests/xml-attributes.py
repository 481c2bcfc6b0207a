#!/usr/bin/env python3
"""Prints attributes of the one element of an XML file that a selector names, space-separated, in the order asked.

  tests/xml-attributes.py FILE ELEMENT[@NAME=VALUE] ATTRIBUTE...

  tests/xml-attributes.py Directory.Packages.props PackageVersion@Include=BenchmarkDotNet Version     -> 0.15.8
  tests/xml-attributes.py vm-tests.xml assembly passed failed                                        -> 212 0

Exit 1 naming the file when it does not parse, when no element or more than one matches, or when an attribute is
missing: a caller never reads an empty string as a number.
"""
import sys
import xml.etree.ElementTree as ElementTree


def fail(message):
    print(f"xml-attributes: {message}", file=sys.stderr)
    sys.exit(1)


def main(args):
    if len(args) < 3:
        fail("usage: xml-attributes.py FILE ELEMENT[@NAME=VALUE] ATTRIBUTE...")
    path, selector, wanted = args[0], args[1], args[2:]
    tag, _, condition = selector.partition("@")
    name, _, value = condition.partition("=")
    try:
        root = ElementTree.parse(path).getroot()
    except (OSError, ElementTree.ParseError) as error:
        fail(f"{path}: {error}")
    matches = [e for e in root.iter(tag) if not condition or e.get(name) == value]
    if len(matches) != 1:
        fail(f"{path}: {len(matches)} elements match {selector}, expected one")
    missing = [a for a in wanted if matches[0].get(a) is None]
    if missing:
        fail(f"{path}: {selector} has no attribute {', '.join(missing)}")
    print(" ".join(matches[0].get(a) for a in wanted))


main(sys.argv[1:])
