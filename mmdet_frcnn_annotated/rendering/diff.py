"""Differences between two traced groups, as Markdown.

A group is the records of one phase of one iteration (what
:func:`..tracefile.read_trace` returns one of). Two groups are compared on:

- symbol values: a symbol whose value differs, or that one side lacks;
- tensors, matched by stage and name: the concrete shape or the symbolic
  shape differs, or one side lacks the tensor (a stage only one side ran
  shows as its tensors on one side only);
- statistics, matched by stage and name, key by key (nested dictionaries
  are flattened to ``outer.inner`` keys);
- losses, matched by name.

``call`` records (the line capture of the annotated listing), ``boxes``
records (coordinates for pictures) and the closing ``summary`` are not
compared. Values are compared exactly, NaN equal to NaN.

Only this module formats the diff; it does no I/O.
"""
import json
import os.path as osp
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, List, Tuple

from ..knowledge.symbols import shape_text
from .stage_report import cell as _cell

ABSENT = '—'  # a cell for what one side does not have

_SAME = ('same stages, shapes, symbolic shapes, symbol values, statistics '
         'and losses')


@dataclass
class GroupDiff:
    """What differs between group ``a`` and group ``b``.

    ``symbols``: (symbol, A value, B value); ``tensors``: stage -> list of
    (tensor, A record, B record); ``stats``: (stage, statistic, key, A value,
    B value); ``losses``: (loss, A value, B value). A side that lacks the
    item holds :data:`ABSENT` (a record: None). ``compared`` counts what
    side A holds (noun -> count), for the sentence that nothing differs.
    """
    a_key: Tuple[str, int]
    b_key: Tuple[str, int]
    symbols: List[Tuple[str, Any, Any]] = field(default_factory=list)
    tensors: 'OrderedDict[str, list]' = field(default_factory=OrderedDict)
    stats: List[Tuple[str, str, str, Any, Any]] = field(default_factory=list)
    losses: List[Tuple[str, Any, Any]] = field(default_factory=list)
    compared: 'OrderedDict[str, int]' = field(default_factory=OrderedDict)

    def counts(self):
        """(symbols, tensors, statistics, losses) that differ."""
        return (len(self.symbols), sum(map(len, self.tensors.values())),
                len(self.stats), len(self.losses))

    empty = property(lambda self: not any(self.counts()))


def _same(a, b):
    """Exact equality of JSON values, NaN equal to NaN, True unequal to 1."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _keyed(records, kind):
    """(stage, name) -> record of one kind; a repeated name gets ``#2``."""
    out = OrderedDict()
    for r in records:
        if r.kind != kind:
            continue
        name, n = r.name, 1
        while (r.stage, name) in out:
            n += 1
            name = f'{r.name} #{n}'
        out[(r.stage, name)] = r
    return out


def _flat(values, prefix=''):
    out = OrderedDict()
    for key, value in values.items():
        if isinstance(value, dict) and value:
            out.update(_flat(value, f'{prefix}{key}.'))
        else:
            out[f'{prefix}{key}'] = value
    return out


def _union(a, b):
    """Keys of ``a`` in order, then those only ``b`` has."""
    return list(a) + [k for k in b if k not in a]


def diff_groups(a_records, b_records):
    """:class:`GroupDiff` of two groups (each symbols first, summary last)."""
    a_head, b_head = a_records[0], b_records[0]
    diff = GroupDiff((a_head.phase, a_head.iteration),
                     (b_head.phase, b_head.iteration))
    a_sym, b_sym = a_head.values, b_head.values
    for k in _union(a_sym, b_sym):
        a, b = a_sym.get(k, ABSENT), b_sym.get(k, ABSENT)
        if not _same(a, b):
            diff.symbols.append((k, a, b))

    a_ten, b_ten = _keyed(a_records, 'tensor'), _keyed(b_records, 'tensor')
    a_st, b_st = _keyed(a_records, 'stats'), _keyed(b_records, 'stats')
    stages = _union(*(OrderedDict.fromkeys(
        r.stage for r in records if r.kind in ('tensor', 'stats'))
                      for records in (a_records, b_records)))
    for stage in stages:
        for key in _union(a_ten, b_ten):
            if key[0] != stage:
                continue
            a, b = a_ten.get(key), b_ten.get(key)
            if (a is None or b is None or a.shape != b.shape
                    or a.symbolic != b.symbolic):
                diff.tensors.setdefault(stage, []).append((key[1], a, b))
        for key in _union(a_st, b_st):
            if key[0] != stage:
                continue
            a = _flat(a_st[key].values) if key in a_st else {}
            b = _flat(b_st[key].values) if key in b_st else {}
            for k in _union(a, b):
                va, vb = a.get(k, ABSENT), b.get(k, ABSENT)
                if not _same(va, vb):
                    diff.stats.append((stage, key[1], k, va, vb))

    a_loss, b_loss = _keyed(a_records, 'loss'), _keyed(b_records, 'loss')
    for key in _union(a_loss, b_loss):
        a = a_loss[key].values.get('value') if key in a_loss else ABSENT
        b = b_loss[key].values.get('value') if key in b_loss else ABSENT
        if not _same(a, b):
            diff.losses.append((key[1], a, b))
    diff.compared = OrderedDict([
        ('stage', len(stages)), ('tensor', len(a_ten)),
        ('statistics record', len(a_st)), ('symbol', len(a_sym)),
        ('loss', len(a_loss))
    ])
    return diff


def pair_groups(a_groups, b_groups, iterations=None, phase=None,
                a_label='A', b_label='B'):
    """The (A group, B group) pairs to compare.

    Args:
        a_groups, b_groups (list[list[TraceRecord]]): complete groups.
        iterations (list[int], optional): ``[K]`` pairs iteration K of both;
            ``[K1, K2]`` pairs A's K1 with B's K2. Without it, every
            (phase, iteration) the two hold in common is paired, or else,
            when each holds one group per phase, each phase.
        phase (str, optional): only this phase.

    Raises:
        ValueError: what is missing, and what the file in question holds.
    """
    sides = []
    for label, groups in ((a_label, a_groups), (b_label, b_groups)):
        held = OrderedDict(((g[0].phase, g[0].iteration), g) for g in groups)
        holds = f'it holds (phase, iteration): {list(held)}'
        if phase is not None:
            held = OrderedDict(
                (k, g) for k, g in held.items() if k[0] == phase)
            if not held:
                raise ValueError(f'{label} holds no {phase} phase; {holds}')
        if iterations:
            wanted = iterations[len(sides) if len(iterations) > 1 else 0]
            held = OrderedDict(
                (k, g) for k, g in held.items() if k[1] == wanted)
            if not held:
                where = f' of the {phase} phase' if phase else ''
                raise ValueError(
                    f'{label} holds no iteration {wanted}{where}; {holds}')
        sides.append((held, holds))
    (a_held, a_holds), (b_held, b_holds) = sides
    b_phases = OrderedDict((k[0], g) for k, g in b_held.items())
    by_phase = [(g, b_phases[k[0]]) for k, g in a_held.items()
                if k[0] in b_phases]
    if iterations:  # one iteration per side and phase
        pairs = by_phase
    else:
        pairs = [(g, b_held[k]) for k, g in a_held.items() if k in b_held]
        one_per_phase = all(
            len(held) == len({k[0] for k in held})
            for held in (a_held, b_held))
        if not pairs and one_per_phase:
            pairs = by_phase
    if not pairs:
        raise ValueError(f'no group in common to compare: {a_label}: '
                         f'{a_holds}; {b_label}: {b_holds}')
    return pairs


def _text(value):
    if isinstance(value, str):  # ABSENT too
        return value
    return f'{value:.6g}' if isinstance(value, float) else json.dumps(
        value, ensure_ascii=False)


def _texts(a, b):
    """Cells of two values; floats that print alike get all their digits."""
    ta, tb = _text(a), _text(b)
    if ta == tb and isinstance(a, float) and isinstance(b, float):
        ta, tb = repr(a), repr(b)
    return _cell(ta), _cell(tb)


def _dims(record, attr):
    """Cell of a record's shape or symbolic shape."""
    if record is None:
        return ABSENT
    dims = getattr(record, attr)
    return _cell(shape_text(dims)) if dims is not None else ''


def _side(label, key, name):
    name = _cell(osp.basename(name))
    return f'{label} `{name}` {key[0]}, iteration {key[1]}'


def _count(n, noun):
    return f'{n} {noun}' + ('' if n == 1 else 'es' if noun.endswith('s')
                            else 's')


def _listed(parts):
    head = ', '.join(parts[:-1])
    return f'{head} and {parts[-1]}' if head else parts[-1]


def _count_line(counts):
    nouns = ('symbol', 'tensor', 'statistic', 'loss')
    text = _listed([_count(n, noun) for n, noun in zip(counts, nouns) if n])
    return f'{text} {"differs" if sum(counts) == 1 else "differ"}.'


def render_pair(diff, a_name='A', b_name='B'):
    """Markdown lines of one :class:`GroupDiff`."""
    lines = [f'## {_side("A", diff.a_key, a_name)} vs '
             f'{_side("B", diff.b_key, b_name)}', '']
    if diff.empty:
        held = _listed(
            [_count(n, noun) for noun, n in diff.compared.items()])
        return lines + [f'Nothing differs: {held} on each side; {_SAME}.', '']
    if diff.symbols:
        lines += ['### Symbols', '', '| symbol | A | B |',
                  '| --- | --- | --- |']
        lines += [f'| {_cell(k)} | {" | ".join(_texts(a, b))} |'
                  for k, a, b in diff.symbols] + ['']
    if diff.tensors:
        lines += ['Shapes that differ, by stage; symbolic shapes are shown on '
                  'both sides even where they agree.', '']
    for stage, rows in diff.tensors.items():
        lines += [
            f'### `{stage}`', '',
            '| tensor | A shape | B shape | symbolic (A) | symbolic (B) |',
            '| --- | --- | --- | --- | --- |'
        ]
        for name, a, b in rows:
            lines.append(f'| {_cell(name)} | {_dims(a, "shape")} | '
                         f'{_dims(b, "shape")} | {_dims(a, "symbolic")} | '
                         f'{_dims(b, "symbolic")} |')
        lines.append('')
    if diff.stats:
        lines += ['### Statistics', '', '| stage | statistic | key | A | B |',
                  '| --- | --- | --- | --- | --- |']
        lines += [f'| {_cell(s)} | {_cell(n)} | {_cell(k)} | '
                  f'{" | ".join(_texts(a, b))} |'
                  for s, n, k, a, b in diff.stats] + ['']
    if diff.losses:
        lines += ['### Losses', '', '| loss | A | B |', '| --- | --- | --- |']
        lines += [f'| {_cell(k)} | {" | ".join(_texts(a, b))} |'
                  for k, a, b in diff.losses] + ['']
    return lines + [_count_line(diff.counts()), '']


def render_diff(pairs, a_label='A', b_label='B', not_compared=None):
    """Markdown of the differences of each (A group, B group) pair.

    Args:
        pairs (list[tuple[list[TraceRecord], list[TraceRecord]]]): groups
            to compare, as :func:`pair_groups` returns them.
        a_label, b_label (str): the trace files (or names) of the sides.
        not_compared (list[str], optional): groups that found no partner,
            such as ``'A: val, iteration 0'``, said at the top.
    """
    diffs = [diff_groups(a, b) for a, b in pairs]
    lines = ['# Shape trace diff', '', f'- A: `{_cell(a_label)}`',
             f'- B: `{_cell(b_label)}`', '']
    if not_compared:
        lines += ['Not compared (no group on the other side to pair with): '
                  + '; '.join(not_compared) + '.', '']
    if all(d.empty for d in diffs):
        lines += [f'Nothing differs in the {len(diffs)} compared '
                  f'group{"s" if len(diffs) != 1 else ""}: {_SAME}.', '']
    for diff in diffs:
        lines += render_pair(diff, a_label, b_label)
    return '\n'.join(lines)
