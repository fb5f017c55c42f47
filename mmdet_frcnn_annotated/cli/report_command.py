"""Regenerate the pages of a trace, or compare two traces::

    python -m mmdet_frcnn_annotated.report TRACE.jsonl [--out-dir DIR]
        [--language en zh] [--no-html]

Writes the pages of every complete step in the file (into the file's
folder unless ``--out-dir`` is given) exactly as the training run wrote
them: the stage report ``<phase>_iter<k>.md`` (``.<lang>.md`` for every
language after the first), the annotated listing
``<phase>_iter<k>.listing.<lang>.md`` of the steps that have one, and the
study page ``<phase>_iter<k>.html`` (unless ``--no-html``); prints the
path of each step's study page (of its report with ``--no-html``). With
``--out-dir``, the pictures the run drew are copied beside the new pages
(the study page embeds them); a report names those that are missing.

::

    python -m mmdet_frcnn_annotated.report diff A.jsonl B.jsonl
        [--iteration K [K2]] [--phase {train,val,test}]

Prints, as Markdown, what differs between the two traces (see
:mod:`..rendering.diff`): symbol values, shapes and symbolic shapes,
statistics and losses, per (phase, iteration) the two hold in common.
``--iteration K`` compares iteration K of both; ``--iteration K1 K2``
compares A's iteration K1 with B's K2 (``diff T.jsonl T.jsonl --iteration
0 4`` compares two iterations of one run). Without ``--iteration``, two
files that share no iteration but hold one iteration per phase are
compared phase by phase. ``--phase`` keeps one phase.
"""
import argparse
import os
import os.path as osp
import shutil
import sys

from ..knowledge.texts import LANGUAGES
from ..rendering.diff import pair_groups, render_diff
from ..rendering.pages import write_step
from ..tracefile import pictures_of, read_trace


def main(argv=None):
    if argv is None:
        argv = sys.argv[1:]
    if argv and argv[0] == 'diff':
        return diff_main(argv[1:])
    parser = argparse.ArgumentParser(description='Render shape-trace '
                                     'reports from JSON lines (or compare '
                                     'two traces: diff A.jsonl B.jsonl)')
    parser.add_argument('trace', help='trace_rank<r>.jsonl file')
    parser.add_argument('--out-dir', help='folder for the reports')
    parser.add_argument(
        '--language',
        nargs='+',
        choices=LANGUAGES,
        default=list(LANGUAGES),
        help='languages of the pages, the first for <step>.md '
        'and shown first on <step>.html (default: all)')
    parser.add_argument('--no-html', action='store_true',
                        help='do not write the study pages <step>.html')
    args = parser.parse_args(argv)
    source = osp.dirname(osp.abspath(args.trace))
    out_dir = args.out_dir or source
    paths = []
    for records in _groups(args.trace):
        _copy_pictures(records, source, out_dir)
        paths.append(write_step(records, out_dir, args.language,
                                _rank(args.trace), html=not args.no_html))
    for path in paths:
        print(path)
    return paths


def _rank(path):
    """The rank of ``trace_rank<r>.jsonl`` (0 for any other name)."""
    stem = osp.splitext(osp.basename(path))[0]
    tail = stem.rpartition('_rank')[2]
    return int(tail) if tail.isdigit() else 0


def _copy_pictures(records, source, out_dir):
    """Copy the step's pictures from the trace's folder to ``out_dir``."""
    if osp.abspath(source) == osp.abspath(out_dir):
        return
    for picture in pictures_of(records):
        path = osp.join(source, picture['file'])
        if osp.isfile(path):
            os.makedirs(out_dir, exist_ok=True)
            shutil.copyfile(path, osp.join(out_dir, picture['file']))


def _groups(path):
    """Complete groups of a trace file; problems go to stderr."""
    if not osp.isfile(path):
        raise SystemExit(f'no trace file at {path}')
    problems = []
    try:
        groups = read_trace(path, problems)
    except ValueError as err:
        raise SystemExit(str(err)) from None
    for problem in problems:
        print(problem, file=sys.stderr)
    if not groups:
        raise SystemExit(f'{path} holds no complete traced iteration')
    return groups


def diff_main(argv):
    """``diff A B [--iteration K [K2]] [--phase P]``: print the Markdown of
    what differs between two traces, and return it."""
    parser = argparse.ArgumentParser(
        prog='python -m mmdet_frcnn_annotated.report diff',
        description='Print, as Markdown, the symbols, shapes, statistics '
        'and losses that differ between two shape traces')
    parser.add_argument('a', metavar='A.jsonl', help='first trace')
    parser.add_argument('b', metavar='B.jsonl', help='second trace')
    parser.add_argument(
        '--iteration',
        nargs='+',
        type=int,
        metavar='K',
        help='K: iteration K of both; K1 K2: A\'s K1 against B\'s K2')
    parser.add_argument(
        '--phase', choices=('train', 'val', 'test'), help='only this phase')
    args = parser.parse_args(argv)
    if args.iteration and len(args.iteration) > 2:
        parser.error('--iteration takes one iteration (K) or two (K1 K2), '
                     f'not {len(args.iteration)}')
    a_groups, b_groups = _groups(args.a), _groups(args.b)
    try:
        pairs = pair_groups(a_groups, b_groups, args.iteration, args.phase,
                            a_label=f'A ({args.a})',
                            b_label=f'B ({args.b})')
    except ValueError as err:
        raise SystemExit(str(err)) from None
    not_compared = None
    if not args.iteration and not args.phase:  # say what found no partner
        not_compared = [
            f'{side}: {g[0].phase}, iteration {g[0].iteration}'
            for i, (side, groups) in enumerate((('A', a_groups),
                                                ('B', b_groups)))
            for g in groups if all(g is not pair[i] for pair in pairs)
        ]
    text = render_diff(pairs, args.a, args.b, not_compared)
    print(text)
    return text


if __name__ == '__main__':
    main()
