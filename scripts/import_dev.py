"""Score `casebase import` on the import-dev set (real reports written by others, kept outside
this repository) and print the table per input kind.

Usage: python scripts/import_dev.py IMPORT_DEV_DIR [--work DIR] [--cli] [--md FILE] [--docs 01,03]

It builds the inputs with the set's own make_inputs.py into a work folder (a fresh temporary
folder unless --work is given; never inside the repository), imports each input the way
`casebase import FILE --out DIR` does (in this process through the same click command, or with
--cli as a separate process per input, which also times the start-up), and scores the drafts
with the set's score.py. Besides score.py's tables it prints totals over all inputs but the
full-width controls (the issue's targets), over odd- and even-numbered documents (tune on one
half, check on the other), and the slowest import. Nothing of the set is copied here: its texts
are read from IMPORT_DEV_DIR at run time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout, not whichever one is installed


def load_scorer(dev: Path):
    spec = importlib.util.spec_from_file_location("import_dev_score", dev / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_inputs(dev: Path, inputs: Path, docs: set[str] | None) -> list[Path]:
    if not any(inputs.glob("*")):
        subprocess.run([sys.executable, str(dev / "make_inputs.py"), str(dev / "docs"),
                        str(inputs)], check=True, stdout=subprocess.DEVNULL)
    files = sorted(p for p in inputs.iterdir() if p.is_file())
    return [p for p in files if docs is None or p.name[:2] in docs]


def import_all(files: list[Path], out_root: Path, use_cli: bool) -> tuple[dict, dict]:
    """Import each input into out_root/<input name>/, exit code in <input name>.rc. Returns
    wall-clock seconds and, with use_cli, CPU seconds (user + system) of each process: on a
    shared, loaded machine the CPU time is the one that says what a quiet machine would take."""
    import resource

    seconds, cpu = {}, {}
    if not use_cli:
        from click.testing import CliRunner

        from cli import main

        runner = CliRunner()
    for path in files:
        out = out_root / path.name
        started = time.perf_counter()
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        if use_cli:
            run = subprocess.run([sys.executable, "-m", "cli", "import", str(path), "--out",
                                  str(out)], cwd=REPO, capture_output=True, text=True)
            code, log = run.returncode, run.stdout + run.stderr
        else:
            result = runner.invoke(main, ["import", str(path), "--out", str(out)])
            code, log = result.exit_code, result.output
        seconds[path.name] = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[path.name] = after.ru_utime + after.ru_stime - usage.ru_utime - usage.ru_stime
        (out_root / f"{path.name}.log").write_text(log, encoding="utf-8")
        (out_root / f"{path.name}.rc").write_text(f"{code}\n", encoding="utf-8")
    return seconds, cpu


def score(dev: Path, inputs: Path, out_root: Path, md: Path | None) -> list[dict]:
    """Run the set's score.py as it is; its JSON holds every input's result."""
    results_json = out_root.parent / "results.json"
    cmd = [sys.executable, str(dev / "score.py"), "--truth", str(dev / "truth"), "--docs",
           str(dev / "docs"), "--inputs", str(inputs), "--out-root", str(out_root), "--json",
           str(results_json)]
    if md:
        cmd += ["--md", str(md)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return json.loads(results_json.read_text(encoding="utf-8"))


def summary_lines(scorer, results: list[dict]) -> list[str]:
    lines = ["| inputs | runs | exit≠0 | cases hit / core | case R | case P | figures hit / core | "
             "fig R strict (lenient) | fig P | invented names / figs | misread figs | "
             "chrome leaks | qualifiers kept |", "|" + "---|" * 13]
    kinds = [k for k in scorer.FORMATS if any(r["format"] == k for r in results)]
    groups = [(k, [r for r in results if r["format"] == k]) for k in kinds]
    no_fw = [r for r in results if r["format"] != "fullwidth"]
    groups += [("all but full-width", no_fw),
               ("  odd docs", [r for r in no_fw if int(r["doc"]) % 2]),
               ("  even docs", [r for r in no_fw if not int(r["doc"]) % 2]),
               ("all inputs", results)]
    for label, rs in groups:
        if rs:
            lines.append(scorer.total_row(label, scorer.totals(rs)))
    return lines


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dev", type=Path, help="the import-dev folder (docs/, truth/, score.py)")
    ap.add_argument("--work", type=Path, help="work folder (default: a new temporary folder)")
    ap.add_argument("--cli", action="store_true", help="one `python -m cli import` per input")
    ap.add_argument("--md", type=Path, help="write score.py's details per input here")
    ap.add_argument("--docs", help="only these documents, e.g. 01,03")
    ap.add_argument("--full", action="store_true", help="also print score.py's own tables")
    args = ap.parse_args(argv)
    dev = args.dev.resolve()
    work = (args.work or Path(tempfile.mkdtemp(prefix="import-dev-"))).resolve()
    if work == REPO or REPO in work.parents:
        ap.error("the work folder must be outside the repository")
    inputs, out_root = work / "in", work / "out"
    inputs.mkdir(parents=True, exist_ok=True)
    if out_root.exists():
        import shutil

        shutil.rmtree(out_root)
    out_root.mkdir()
    docs = set(args.docs.split(",")) if args.docs else None
    files = build_inputs(dev, inputs, docs)
    seconds, cpu = import_all(files, out_root, args.cli)
    # score only what was imported: score.py reads every input of IN_DIR it finds
    picked = work / "picked"
    if picked.exists():
        import shutil

        shutil.rmtree(picked)
    picked.mkdir()
    for path in files:
        (picked / path.name).symlink_to(path)
    for page in inputs.glob("*.html"):  # chrome lines come from the page of each document
        if not (picked / page.name).exists():
            (picked / page.name).symlink_to(page)
    results = score(dev, picked, out_root, args.md)
    results = [r for r in results if r["input"] in seconds]
    scorer = load_scorer(dev)
    if args.full:
        print("\n".join(scorer.tables(results)), "\n")
    print("\n".join(summary_lines(scorer, results)))
    slow = max(seconds, key=seconds.get)
    print(f"\n{len(files)} inputs in {sum(seconds.values()):.1f} s; slowest {slow} "
          f"{seconds[slow]:.2f} s ({'a process each' if args.cli else 'in one process'}); "
          f"work folder {work}")
    if args.cli:
        top = max(cpu, key=cpu.get)
        print(f"CPU time per process (start-up included): median "
              f"{sorted(cpu.values())[len(cpu) // 2]:.2f} s, most {cpu[top]:.2f} s ({top})")


if __name__ == "__main__":
    main()
