"""Flow diagram of a traced step: its stages and the tensors between them.

The diagram is a Mermaid ``flowchart`` (GitHub renders it in Markdown).
Each box is a stage family (``rpn_head/forward/P2`` and its siblings are
one box, ``RPN head``); each arrow follows the data from the stage that
made it to the stage that takes it, and is labelled with the tensors it
carries, as ``name (symbolic shape) = (shape)``. Only stages present in
the records are drawn, so the same table serves FPN, C4, DC5, OHEM, the
training and the test path.
"""
import re
from collections import OrderedDict

from ..knowledge import texts
from ..knowledge.stages import (EDGES, PASS_COMPONENT, ROI_EXTRACTOR,
                                stage_family, with_derived)
from ..knowledge.symbols import shape_text

_X = ROI_EXTRACTOR
_INDEX = PASS_COMPONENT
_LEVEL = re.compile(r'^h_(\d+)$')
_NOTE = re.compile(r'\s*\([^()]*\)$')


def flow_graph(records, language='en'):
    """The boxes and arrows of the flow of one step.

    Returns:
        tuple: ``(boxes, arrows)``; ``boxes`` is a list of ``(node id,
        family, label)`` in the order the families first ran, ``arrows``
        a list of ``(source id, [tensor text, ...], target id)``.
    """
    tensors = OrderedDict()  # family -> its tensor records, in order
    levels_used = None
    for r in records:
        if r.kind not in ('tensor', 'stats') or not r.stage:
            continue
        family = stage_family(r.stage)
        tensors.setdefault(family, [])
        if r.kind == 'tensor':
            tensors[family].append(r)
        elif family == _X and r.name == 'rois per level':
            levels_used = _levels(r.values)
    ids = _node_ids(tensors)
    arrows = []
    for edge in EDGES:
        if (edge.source not in ids or edge.target not in ids
                or edge.unless in ids):
            continue
        groups = _matching(tensors.get(edge.family, []), edge.prefixes)
        if edge.target == _X and levels_used:
            groups = [_used(group, levels_used) for group in groups]
        arrows.append((ids[edge.source], _items(groups), ids[edge.target]))
    words = texts.texts(language)
    config = _config(records)
    boxes = [(node, family,
              texts.fill_all(words.get(f'{family}@label', ''), config)
              or words.get(f'{family}@label_plain') or family)
             for family, node in ids.items()]
    return boxes, arrows


def render_flow(records, language='en'):
    """Lines of the flow section of a report.

    Args:
        records (list[TraceRecord]): the records of one step.
        language (str): of the heading, the sentence and the box labels.

    Returns:
        list[str]: a sentence and a fenced Mermaid block, or ``[]`` when
        no arrow joins two stages of the records.
    """
    boxes, arrows = flow_graph(records, language)
    if not arrows:
        return []
    words = texts.texts(language)
    lines = [
        '## ' + words['@report_flow'], '', words['@report_flow_intro'], '',
        '```mermaid', 'flowchart TD'
    ]
    for node, _, label in boxes:
        lines.append(f'    {node}["{_escape(label)}"]')
    for source, items, target in arrows:
        if items:
            text = '<br/>'.join(_escape(item) for item in items)
            lines.append(f'    {source} -->|"{text}"| {target}')
        else:
            lines.append(f'    {source} --> {target}')
    return lines + ['```', '']


def _config(records):
    return with_derived(
        next((r.values for r in records if r.kind == 'config'), {}))


def _node_ids(families):
    """A distinct plain identifier per family: ``s_`` and its path with
    every other character as ``_`` (never a Mermaid keyword)."""
    ids = OrderedDict()
    taken = set()
    for family in families:
        node = 's_' + re.sub(r'\W', '_', family, flags=re.ASCII)
        base, count = node, 1
        while node in taken:
            count += 1
            node = f'{base}_{count}'
        taken.add(node)
        ids[family] = node
    return ids


def _matching(records, prefixes):
    """Per prefix, the records whose name starts with it."""
    groups = [[r for r in records if r.name.startswith(prefix)]
              for prefix in prefixes]
    return [group for group in groups if group]


def _used(group, levels):
    """The feature maps of the levels RoIs were pooled from (all of them
    when none is of those levels); other records stay."""
    kept = [r for r in group if _level(r) is None or _level(r) in levels]
    return kept or group


def _items(groups):
    """One text per tensor of each group: all of them when there are two
    or fewer, else the first and the last (after …)."""
    items = []
    for group in groups:
        names = [_NOTE.sub('', r.name) for r in group]
        repeated = len(set(names)) < len(names)
        texts = [_item(r, repeated) for r in group]
        if len(texts) > 2:
            texts = [texts[0], '… ' + texts[-1]]
        items += texts
    return items


def _item(record, with_pass):
    """``name (symbolic) = (shape)``; the pass (``P2``, ``img0``) follows
    the name when the same name comes from several passes."""
    name = _NOTE.sub('', record.name)
    if with_pass:
        passes = [p for p in record.stage.split('/') if _INDEX.match(p)]
        if passes:
            name += ' ' + '/'.join(
                f'pass {p}' if p.isdigit() else p for p in passes)
    dims, symbolic = record.shape or [], record.symbolic
    if not symbolic or [str(s) for s in symbolic] == [str(d) for d in dims]:
        return f'{name} {shape_text(dims)}'
    return f'{name} {shape_text(symbolic)} = {shape_text(dims)}'


def _levels(per_level):
    """Levels named by the keys of a per-level count: ``{'P2': 5}``."""
    found = set()
    for key in per_level:
        match = re.match(r'^P(\d+)$', str(key))
        if match:
            found.add(int(match.group(1)))
    return found


def _level(record):
    """Level l of a feature map of symbolic shape (N, c, h_l, w_l)."""
    for dim in record.symbolic or []:
        match = _LEVEL.match(str(dim))
        if match:
            return int(match.group(1))
    return None


def _escape(text):
    """Text that is safe inside a double-quoted Mermaid label: ``#``
    starts an entity, ``"`` ends the string, ``<`` ``>`` are HTML and a
    line break would end the statement."""
    for char, code in (('#', '#35;'), ('"', '#quot;'), ('<', '#lt;'),
                       ('>', '#gt;'), ('\r', ' '), ('\n', ' ')):
        text = text.replace(char, code)
    return text
