#!/usr/bin/env python3
"""The ratios the documents quote, recomputed from the committed result files; and the measurements of one run that
time the same call twice, compared.

  bench/check-figures.py [--update] [--results DIR] [DOC...]   (bench/run.sh --check [--update] [DOC...])
      Every ratio in DOC... (default: README.md, docs/*.md, bench/README.md) is a generated span
          <!-- ratio: SOURCE -->21.00×<!-- /ratio -->  (ratio_text: as the summaries print ratios)
      whose SOURCE is FILE:KEY (a value that is a ratio), FILE:KEY / FILE:KEY or 1 / FILE:KEY, FILE a .tsv or .csv
      under DIR (default bench/results) and KEY its first column. Exit 1, naming document, line, quoted and recomputed
      figure and file, when a span differs from its source or a ratio stands outside a span; --update rewrites the
      spans instead. A figure whose measurement disagrees with another of the same call in its run (below) is struck
      through and flagged beside it. The disagreements of every probes-*.tsv under DIR are reported.
  bench/check-figures.py --run DIR
      After a benchmark run: the disagreements of DIR's own probes files (not its subfolders: other runs) as a markdown
      section; exit 1 when there is one (not fit to publish).

Two measurements of the same call disagree when one is more than LIMIT times the other.
"""
import collections
import csv
import glob
import os
import re
import sys

LIMIT = 1.5
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Keys of one probes file that time the same loop twice in one run, read from the suites' Probe methods: a key matching
# the pattern and the pattern's expansion. NestedInvalidateBench: "vs-one-per-ioctl" runs the Batch=1 loop (side a)
# against the batch's loop (side b), and the C comparisons time each loop again as their C# side (b). BatchBench (and
# Type1BatchBench, its cases on a type1 container): "vs-single" runs SingleIoctl (a) against Batched (b), "vs-per-page"
# Batched (a) against PerPage (b).
SAME_CALL = [
    (r"NestedInvalidate/Invalidate/Batch=\d+/vs-one-per-ioctl/interleaved-a-ns", r"NestedInvalidate/Invalidate/Batch=1/interleaved-b-ns"),
    (r"(NestedInvalidate/Invalidate/Batch=\d+)/vs-one-per-ioctl/interleaved-b-ns", r"\1/interleaved-b-ns"),
    (r"((?:Type1)?Batch)/Batched/(N=\d+)/vs-single/interleaved-a-ns", r"\1/SingleIoctl/\2/interleaved-b-ns"),
    (r"((?:Type1)?Batch/Batched/N=\d+)/vs-single/interleaved-b-ns", r"\1/vs-per-page/interleaved-a-ns"),
    (r"((?:Type1)?Batch)/Batched/(N=\d+)/vs-per-page/interleaved-b-ns", r"\1/PerPage/\2/interleaved-b-ns"),
]
COMPARISON_SIDE = re.compile(r"/vs-[^/]+/interleaved-[ab]-ns$")

SPAN = re.compile(r"<!-- ratio: (.*?) -->(.*?)<!-- /ratio -->")
# A figure followed by × (or x), not a target (≥ 50×) and not part of a name (libclang-1x).
RATIO = re.compile(r"(?<![\w.\-])\d+(?:\.\d+)?(?:×|x\b)")
TARGET = re.compile(r"[≥≤<>]\s*$")


class Problem(Exception):
    pass


# Two measurements of the same call in one probes file, factor = the larger over the smaller.
Disagreement = collections.namedtuple("Disagreement", "file key value other other_value factor")


def read_values(path):
    """First column → second column, as numbers, of a .tsv or .csv result file."""
    delimiter = {".tsv": "\t", ".csv": ","}.get(os.path.splitext(path)[1])
    if delimiter is None:
        raise Problem(f"{path}: only .tsv and .csv result files can be quoted (the .md summaries are generated from them)")
    with open(path, newline="", encoding="utf-8") as f:
        values = {}
        for row in csv.reader(f, delimiter=delimiter):
            if len(row) >= 2:
                try:
                    values[row[0]] = float(row[1])
                except ValueError:
                    pass  # a header or a text column
        return values


class Results:
    """The result files under one folder, read once each, and the disagreements of their probes."""

    def __init__(self, folder, recursive=True):
        """recursive: every probes file under the folder (the committed results); else only the folder's own (one run's:
        bench/results holds the x86 run's files beside other runs' folders)."""
        self.folder = folder
        self._files = {}
        pattern = os.path.join(folder, "**", "probes-*.tsv") if recursive else os.path.join(folder, "probes-*.tsv")
        self.disagreements = [d for path in sorted(glob.glob(pattern, recursive=recursive))
                              for d in same_call_disagreements(os.path.relpath(path, folder), self.values(os.path.relpath(path, folder)))]

    def values(self, name):
        if name not in self._files:
            path = os.path.join(self.folder, name)
            if not os.path.isfile(path):
                raise Problem(f"no result file {name} under {self.folder}")
            self._files[name] = read_values(path)
        return self._files[name]

    def value(self, operand):
        name, sep, key = operand.partition(":")
        if not sep or not key:
            raise Problem(f"'{operand}' is not FILE:KEY")
        values = self.values(name)
        if key not in values:
            raise Problem(f"{name} has no key {key}")
        return values[key]

    def flag(self, operand):
        """The widest disagreement touching the comparison (the key without its last part) the operand reads."""
        name, _, key = operand.partition(":")
        case = key.rsplit("/", 1)[0]
        touching = [d for d in self.disagreements if d.file == name and case in (d.key.rsplit("/", 1)[0], d.other.rsplit("/", 1)[0])]
        return max(touching, key=lambda d: d.factor, default=None)


def same_call_disagreements(name, values):
    """A Disagreement for every same-call pair of one probes file more than LIMIT apart."""
    pairs = [(key, re.sub(pattern, repl, key)) for key in values for pattern, repl in SAME_CALL if re.fullmatch(pattern, key)]
    covered = {k for pair in pairs for k in pair}
    for key in values:
        if COMPARISON_SIDE.search(key) and key not in covered:
            raise Problem(f"{name}: {key} is a comparison side that no SAME_CALL rule of bench/check-figures.py covers: "
                          "say which other measurement of the run times the same loop")
    found = []
    for key, other in pairs:
        if other in values and min(values[key], values[other]) > 0:
            factor = max(values[key], values[other]) / min(values[key], values[other])
            if factor > LIMIT:
                found.append(Disagreement(name, key, values[key], other, values[other], factor))
    return found


def ratio_text(r):
    """As the generated summaries print a ratio."""
    return f"{r:.0f}×" if r >= 100 else f"{r:.2f}×"


def time_text(ns):
    value, unit = (ns / 1e6, "ms") if ns >= 1e6 else (ns / 1e3, "µs") if ns >= 1e3 else (ns, "ns")
    return f"{value:.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}" if value >= 10 else f"{value:.2f} {unit}"


def disagreement_text(d):
    return (f"{d.file}: {d.key} = {time_text(d.value)} and {d.other} = {time_text(d.other_value)} time the same call in "
            f"one run, {d.factor:.1f}× apart (limit {LIMIT}×)")


def generate(source, results):
    """The span's text for a SOURCE: the ratio, struck through and flagged when its measurement disagrees."""
    parts = [p.strip() for p in source.split(" / ")]
    if len(parts) == 1:
        operands, ratio = parts, results.value(parts[0])
    elif len(parts) == 2 and parts[0] == "1":
        operands, ratio = parts[1:], 1 / results.value(parts[1])
    elif len(parts) == 2:
        operands, ratio = parts, results.value(parts[0]) / results.value(parts[1])
    else:
        raise Problem(f"'{source}' is not FILE:KEY, FILE:KEY / FILE:KEY or 1 / FILE:KEY")
    flags = [f for f in map(results.flag, operands) if f]
    if not flags:
        return ratio_text(ratio)
    d = max(flags, key=lambda d: d.factor)
    return (f"~~{ratio_text(ratio)}~~ (flagged by bench/run.sh --check: the same call measured "
            f"{time_text(min(d.value, d.other_value))} and {time_text(max(d.value, d.other_value))} in that run)")


def check_document(path, results, update):
    """Problems of one document; with update, its spans rewritten."""
    problems, lines = [], open(path, encoding="utf-8").read().split("\n")
    shown = os.path.relpath(path, ROOT) if path.startswith(ROOT) else path
    in_code = False
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
        if in_code:
            continue

        def replace(match):
            source, quoted = match.group(1), match.group(2)
            try:
                wanted = generate(source, results)
            except Problem as error:
                problems.append(f"{shown}:{number}: {quoted or 'the span'}: {error}")
                return match.group(0)
            if quoted != wanted and not update:
                problems.append(f"{shown}:{number}: quoted {quoted}, recomputed {wanted} from {source} (under {os.path.relpath(results.folder, ROOT)})")
            return f"<!-- ratio: {source} -->{wanted}<!-- /ratio -->"

        # Inline code (`…`) is text about figures, not a figure.
        parts = re.split(r"(`[^`]*`)", line)
        for i in range(0, len(parts), 2):
            parts[i] = SPAN.sub(replace, parts[i])
            outside = SPAN.sub("", parts[i])
            if "<!-- ratio:" in outside:
                problems.append(f"{shown}:{number}: a <!-- ratio: … --> span without its <!-- /ratio -->")
            for match in RATIO.finditer(outside):
                if not TARGET.search(outside[:match.start()]):
                    problems.append(f"{shown}:{number}: {match.group(0)} is a ratio with no source: write it as "
                                    f"<!-- ratio: FILE:KEY -->{match.group(0)}<!-- /ratio --> and run bench/run.sh --check --update")
        lines[number - 1] = "".join(parts)
    if update:
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
    return problems


def main(args):
    update = "--update" in args
    args = [a for a in args if a != "--update"]
    folder = os.path.join(ROOT, "bench", "results")
    run = False
    while args and args[0] in ("--results", "--run"):
        if len(args) < 2:
            print(__doc__, file=sys.stderr)
            return 2
        run = run or args[0] == "--run"
        folder, args = os.path.abspath(args[1]), args[2:]
    try:
        results = Results(folder, recursive=not run)
        if run:
            print("### Measurements of the same call that disagree (bench/check-figures.py)\n")
            print("\n".join(f"- {disagreement_text(d)}" for d in results.disagreements) or "None.")
            return 1 if results.disagreements else 0
        docs = args or [os.path.join(ROOT, "README.md"), *sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))),
                        os.path.join(ROOT, "bench", "README.md")]
        problems = [p for doc in docs for p in check_document(doc, results, update)]
    except (Problem, OSError) as error:
        print(f"check-figures: {error}", file=sys.stderr)
        return 1
    for d in results.disagreements:
        print(f"check-figures: flagged: {disagreement_text(d)}")
    for p in problems:
        print(f"check-figures: {p}", file=sys.stderr)
    print(f"check-figures: {len(docs)} documents, {len(problems)} problems, {len(results.disagreements)} disagreeing measurements"
          f"{' (spans rewritten)' if update else ''}")
    return 1 if problems else 0


sys.exit(main(sys.argv[1:]))
