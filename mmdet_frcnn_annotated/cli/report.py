"""Regenerate the Markdown reports of a trace from its JSON lines::

    python -m mmdet_frcnn_annotated.report TRACE.jsonl [--out-dir DIR]
        [--language en zh]

Writes ``<phase>_iter<k>.md`` for every complete iteration in the file
(into the file's folder unless ``--out-dir`` is given), and the annotated
listing ``<phase>_iter<k>.listing.<language>.md`` of the iterations that
have one, and prints the paths of the reports.
"""
import argparse
import os.path as osp
import sys

from ..tracing.report import read_jsonl
from ..tracing.settings import LANGUAGES
from ..tracing.writers import MarkdownReportWriter


def main(argv=None):
    parser = argparse.ArgumentParser(description='Render shape-trace '
                                     'reports from JSON lines')
    parser.add_argument('trace', help='trace_rank<r>.jsonl file')
    parser.add_argument('--out-dir', help='folder for the reports')
    parser.add_argument(
        '--language',
        nargs='+',
        choices=LANGUAGES,
        default=list(LANGUAGES),
        help='languages of the annotated listing (default: all)')
    args = parser.parse_args(argv)
    if not osp.isfile(args.trace):
        raise SystemExit(f'no trace file at {args.trace}')
    writer = MarkdownReportWriter(
        args.out_dir or osp.dirname(args.trace), languages=args.language)
    problems = []
    paths = [
        writer.write(records)
        for records in read_jsonl(args.trace, problems)
    ]
    for problem in problems:
        print(problem, file=sys.stderr)
    if not paths:
        raise SystemExit(f'{args.trace} holds no complete traced iteration')
    for path in paths:
        print(path)
    return paths


if __name__ == '__main__':
    main()
