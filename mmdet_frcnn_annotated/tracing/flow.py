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
from collections import OrderedDict, namedtuple

from .symbols import shape_text

# Box label of each stage family; an unknown family is labelled by itself.
LABELS = OrderedDict([
    ('input', 'input'),
    ('backbone', 'backbone'),
    ('neck', 'neck (FPN)'),
    ('rpn_head/forward', 'RPN head'),
    ('rpn_head/anchors', 'anchors'),
    ('rpn_head/targets', 'RPN targets (assign + sample)'),
    ('rpn_head/loss', 'RPN loss'),
    ('rpn_head/proposals', 'proposals (NMS)'),
    ('roi_head/sampling', 'RoI sampling'),
    ('roi_head/hard_examples', 'OHEM hard-example scoring'),
    ('roi_head/rois', 'RoIs'),
    ('roi_head/bbox_roi_extractor', 'RoIAlign'),
    ('roi_head/shared_head', 'shared head'),
    ('roi_head/bbox_head', 'box head'),
    ('roi_head/targets', 'RoI targets'),
    ('roi_head/loss', 'RoI loss'),
    ('roi_head/detections', 'detections'),
])

Edge = namedtuple('Edge', 'source target family prefixes unless')
Edge.__doc__ = """An arrow of the diagram, drawn when both ends ran.

Attributes:
    source, target (str): stage families at the two ends.
    family (str): stage family whose tensor records label the arrow.
    prefixes (tuple[str]): names of those tensors start with one of these,
        shown in this order.
    unless (str | None): a family whose presence means the data takes
        another way (no neck: the backbone feeds the heads).
"""

_F, _S, _R = 'rpn_head/forward', 'roi_head/sampling', 'roi_head/rois'
_X, _BH = 'roi_head/bbox_roi_extractor', 'roi_head/bbox_head'
_SH, _P = 'roi_head/shared_head', 'rpn_head/proposals'
_HEAD_OUT = ('cls_score', 'bbox_pred')

# Every arrow, and where its label comes from.
EDGES = (
    Edge('input', 'backbone', 'input', ('img', ), None),
    Edge('backbone', 'neck', 'backbone', ('C', ), None),
    Edge('neck', _F, 'neck', ('P', ), None),
    Edge('backbone', _F, 'backbone', ('C', ), 'neck'),
    Edge('input', 'rpn_head/targets', 'input', ('gt_bboxes', ), None),
    Edge('rpn_head/anchors', 'rpn_head/targets', 'rpn_head/anchors',
         ('anchors', ), None),
    Edge(_F, 'rpn_head/loss', _F, _HEAD_OUT, None),
    Edge('rpn_head/targets', 'rpn_head/loss', 'rpn_head/targets',
         ('labels P', 'bbox_targets P'), None),
    Edge(_F, _P, _F, _HEAD_OUT, None),
    Edge('rpn_head/anchors', _P, 'rpn_head/anchors', ('anchors', ), None),
    Edge(_P, _S, _P, ('proposal_list', ), None),
    Edge('input', _S, 'input', ('gt_bboxes', ), None),
    Edge(_S, 'roi_head/hard_examples', 'roi_head/hard_examples',
         ('rois', ), None),
    Edge('roi_head/hard_examples', _S, 'roi_head/hard_examples',
         ('cls_score', ), None),
    Edge(_S, _R, _R, ('rois', ), None),
    Edge(_P, _R, _P, ('proposal_list', ), _S),
    Edge(_R, _X, _R, ('rois', ), None),
    Edge('neck', _X, 'neck', ('P', ), None),
    Edge('backbone', _X, 'backbone', ('C', ), 'neck'),
    Edge(_X, _SH, _X, ('bbox_feats', ), None),
    Edge(_SH, _BH, _SH, ('bbox_feats', ), None),
    Edge(_X, _BH, _X, ('bbox_feats', ), _SH),
    Edge(_S, 'roi_head/targets', _S, ('pos_bboxes', 'neg_bboxes'), None),
    Edge(_BH, 'roi_head/loss', _BH, _HEAD_OUT, None),
    Edge('roi_head/targets', 'roi_head/loss', 'roi_head/targets',
         ('labels', 'bbox_targets'), None),
    Edge(_BH, 'roi_head/detections', _BH, _HEAD_OUT, None),
)

# A stage path component that only says which pass: a level, an image,
# the whole batch or the k-th call.
_INDEX = re.compile(r'^(P\d+|img\d+|batch|\d+)$')
_LEVEL = re.compile(r'^h_(\d+)$')
_NOTE = re.compile(r'\s*\([^()]*\)$')


def stage_family(stage):
    """The family of a stage: its path up to the first index component.

    ``'rpn_head/forward/P2'`` -> ``'rpn_head/forward'``,
    ``'roi_head/hard_examples/0/bbox_head'`` -> ``'roi_head/hard_examples'``.
    """
    parts = []
    for part in stage.split('/'):
        if _INDEX.match(part):
            break
        parts.append(part)
    return '/'.join(parts) or stage


def render_flow(records):
    """Lines of the ``## Flow`` section of a report.

    Args:
        records (list[TraceRecord]): the records of one step.

    Returns:
        list[str]: a sentence and a fenced Mermaid block, or ``[]`` when
        no arrow joins two stages of the records.
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
    edges = []
    for edge in EDGES:
        if (edge.source not in ids or edge.target not in ids
                or edge.unless in ids):
            continue
        groups = _matching(tensors.get(edge.family, []), edge.prefixes)
        if edge.target == _X and levels_used:
            groups = [_used(group, levels_used) for group in groups]
        edges.append((ids[edge.source], _items(groups), ids[edge.target]))
    if not edges:
        return []
    lines = [
        '## Flow', '',
        'The stages in the order they ran, and what flows between them: '
        'each arrow carries the tensors on its label, as `name (symbolic '
        'shape) = (shape)` (… skips the levels or images between the '
        'first and the last).', '', '```mermaid', 'flowchart TD'
    ]
    for family, node in ids.items():
        lines.append(f'    {node}["{_escape(LABELS.get(family, family))}"]')
    for source, items, target in edges:
        if items:
            text = '<br/>'.join(_escape(item) for item in items)
            lines.append(f'    {source} -->|"{text}"| {target}')
        else:
            lines.append(f'    {source} --> {target}')
    return lines + ['```', '']


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
