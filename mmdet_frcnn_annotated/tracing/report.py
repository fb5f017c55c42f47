"""Markdown walkthrough of one traced iteration, rendered from its records.

Only this module formats text; it reads records and nothing else, so the
same report comes from a live run and from the JSON lines afterwards.
"""
import json
from collections import OrderedDict

from .. import explain
from .annotate import anchor_for, anchors, stage_anchor
from .flow import render_flow
from .known_behaviours import by_key
from .records import TraceRecord
from .symbols import meaning, shape_text

# One sentence per stage family: what happens there, in the report's symbols.
STAGE_NOTES = OrderedDict([
    ('input', 'The batch as the data pipeline padded it: N images of H x W.'),
    ('backbone', 'ResNet-50 stages C2..C5; each halves the size, rounding '
     'up.'),
    ('neck', 'FPN levels P2..P6, 256 channels each; P6 is max-pooled from '
     'P5.'),
    ('rpn_head/forward', 'Shared 3x3 conv, then one objectness logit per '
     'anchor (sigmoid loss, so cls_out_channels = 1) and 4 deltas per '
     'anchor.'),
    ('rpn_head/anchors', 'A = len(scales) x len(ratios) base anchors per '
     'level, shifted over the h_l x w_l grid.'),
    ('rpn_head/targets', 'MaxIoUAssigner then RandomSampler per image; '
     'label 0 is foreground, 1 (= num_classes) background.'),
    ('rpn_head/loss', 'loss_single per level over N x h_l x w_l x A '
     'anchors, normalised by the sampled anchors of the batch.'),
    ('rpn_head/proposals', 'Top nms_pre scores per level, decode, NMS per '
     'level (level ids keep them apart), keep max_per_img.'),
    ('roi_head/sampling', 'Proposals plus ground truth, assigned at IoU 0.5 '
     'and sampled to at most 512 (a quarter positive).'),
    ('roi_head/hard_examples', "OHEM: inside sampling, the RoI head "
     'scores all positive (or all negative) candidates of an image without '
     'gradient, and the sampler keeps those with the highest loss.'),
    ('roi_head/rois', 'All sampled boxes of the batch as (batch index, x1, '
     'y1, x2, y2).'),
    ('roi_head/bbox_roi_extractor', 'Each roi goes to one of P2..P5 by its '
     'scale, then RoIAlign to 7 x 7.'),
    ('roi_head/shared_head', 'C4: the last ResNet stage runs on every roi '
     '(stride 2: 14 x 14 RoI features become 7 x 7).'),
    ('roi_head/bbox_head', 'Flatten, two shared FCs, then C+1 class scores '
     'and 4C class-specific deltas.'),
    ('roi_head/targets', 'Labels (background = C) and encoded deltas for the '
     'sampled rois.'),
    ('roi_head/detections', 'Decode, rescale to the original image, '
     'multiclass NMS, at most max_per_img per image.'),
])


def _note(stage):
    best = ''
    for prefix in STAGE_NOTES:
        if stage.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    return STAGE_NOTES.get(best, '')


def _mark(record):
    if record.known:
        return (f'ⓘ known mmdet 2.11 behaviour, see '
                f'[below](#known-{record.known})')
    return {True: '✓', False: '✗ MISMATCH', None: ''}[record.ok]


def _cell(text):
    return str(text).replace('|', '\\|')


def render_report(records, listing=None, pictures=None):
    """Markdown text for the records of one phase of one iteration.

    Args:
        records (list[TraceRecord]): symbols first, summary last.
        listing (str, optional): file name of the annotated listing of the
            same step; each row then links to the function that made it.
        pictures (list[tuple[str, str]], optional): ``(title, file name)``
            of each picture drawn of the step, shown in that order.
    """
    head, body, tail = records[0], records[1:-1], records[-1]
    known = tail.values.get('known', [])
    lines = [
        f'# Shape trace: {head.phase}, iteration {head.iteration}', '',
        f'{tail.values["tensors"]} tensors recorded, '
        f'{tail.values["mismatches"]} shape mismatches' +
        (f', {len(known)} known mmdet 2.11 behaviour(s) explained below'
         if known else '') + '.', ''
    ]
    if tail.values.get('errors'):
        lines += ['Recording errors:', '']
        lines += [f'- {e}' for e in tail.values['errors']] + ['']
    lines += [
        '## Symbols', '',
        'Bound from the config and this batch; every symbolic shape below '
        'is evaluated with these values.', '',
        '| symbol | value | meaning |', '| --- | --- | --- |'
    ]
    lines += [
        f'| {k} | {v} | {meaning(k)} |' for k, v in head.values.items()
    ] + ['']
    lines += render_flow(records)
    lines += _pictures(pictures)

    stages = OrderedDict()
    losses = []
    for record in body:
        if record.kind in ('call', 'boxes'):
            continue
        if record.kind == 'loss':
            losses.append(record)
        else:
            stages.setdefault(record.stage, []).append(record)

    lines += ['## Stages', '', 'In the order they ran.', '']
    if listing:
        lines += [f'The annotated source of every function is in '
                  f'[{listing}]({listing}); "listing" in a row links to '
                  f'the function that computed it.', '']
    link_maps = anchors(records) if listing else None
    noted = set()
    for stage, group in stages.items():
        lines += [f'<a id="{stage_anchor(stage)}"></a>', '',
                  f'### `{stage}`', '']
        note = _note(stage)
        if note and note not in noted:
            noted.add(note)
            lines += [note, '']
        tensors = [r for r in group if r.kind == 'tensor']
        if tensors:
            lines += [
                '| tensor | shape | symbolic shape | check | computed in |',
                '| --- | --- | --- | --- | --- |'
            ]
            for r in tensors:
                where = _where(r)
                target = (anchor_for(link_maps, r.producer, r.stage)
                          if link_maps and r.producer else None)
                if target:
                    where += f' [listing]({listing}#{target})'
                symbolic = shape_text(r.symbolic) if r.symbolic else ''
                mark = _mark(r)
                if r.ok is False and not r.known:
                    mark += f' expected {shape_text(r.expected)}'
                lines.append(f'| {_cell(r.name)} | {shape_text(r.shape)} | '
                             f'{_cell(symbolic)} | {mark} | {_cell(where)} |')
            lines.append('')
        for r in group:
            if r.kind == 'stats':
                values = ', '.join(f'{k} = {v}' for k, v in r.values.items())
                where = f' (`{r.producer}`)' if r.producer else ''
                lines.append(f'- **{r.name}**{where}: {values}')
        if any(r.kind == 'stats' for r in group):
            lines.append('')

    if losses:
        lines += ['## Losses', '', '| loss | value |', '| --- | --- |']
        lines += [f'| {r.name} | {r.values["value"]:.6g} |' for r in losses]
        lines.append('')
    lines += _known_behaviours(known)
    lines += _code_that_ran(body)
    return '\n'.join(lines)


def _pictures(pictures):
    """The pictures of the step, each under its title."""
    if not pictures:
        return []
    lines = ['## Pictures', '']
    for title, name in pictures:
        lines += [f'**{title}**', '', f'![{title}]({name})', '']
    return lines


def _known_behaviours(keys):
    """What each known mmdet behaviour of the step is, and its source."""
    if not keys:
        return []
    lines = ['## Known mmdet 2.11 behaviours', '']
    for key in keys:
        source = by_key(key).source
        lines += [f'<a id="known-{key}"></a>', '', f'### `{key}`', '',
                  explain.text('en', key, source=source), '']
    return lines


def _where(r):
    """Who computed a record: the mmdet method, or this package's
    step-by-step re-implementation and the mmdet method it reproduces."""
    if not r.producer:
        return ''
    where = f'`{r.producer}` ({r.source})'
    if r.reproduces:
        where += (f', re-implemented in this package step by step; same '
                  f'numerics as `{r.reproduces.replace(" (", "` (", 1)}')
    return where


def _code_that_ran(records):
    """The functions that produced the records, in the order they first
    did: which class of the inheritance chain really defines each."""
    seen = OrderedDict()
    for r in records:
        if r.producer and r.kind in ('tensor', 'stats'):
            key = _where(r)
            seen[key] = seen.get(key, 0) + 1
    if not seen:
        return []
    lines = [
        '## Code that ran', '',
        'Each method as resolved through the MRO of the running object, '
        'with where it is defined.', '', '| function (defined at) | records |',
        '| --- | --- |'
    ]
    lines += [f'| {_cell(where)} | {count} |'
              for where, count in seen.items()]
    return lines + ['']


def read_jsonl(path, problems=None):
    """Records of a trace file, grouped per (phase, iteration), in order.

    Only complete iterations are returned: a group starts with its
    ``symbols`` line and ends with its ``summary`` line. A line that does
    not parse (the torn last line of a run that was killed) is left out, as
    is the iteration it cut short; what was left out is described in
    ``problems`` (a list) when one is given. A record of another schema
    version is an error.
    """
    groups = OrderedDict()
    torn = []
    with open(path, encoding='utf-8', errors='replace') as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError:
                torn.append(number)
                continue
            try:
                record = TraceRecord.from_dict(data)
            except TypeError as err:
                raise ValueError(f'{path}:{number}: not a trace record: '
                                 f'{err}') from None
            key = (record.phase, record.iteration)
            if record.kind == 'symbols':
                groups[key] = []
            groups.setdefault(key, []).append(record)
    complete = [
        g for g in groups.values()
        if g and g[0].kind == 'symbols' and g[-1].kind == 'summary'
    ]
    if problems is not None:
        if torn:
            problems.append(f'{path}: left out {len(torn)} line(s) that do '
                            f'not parse (a torn write): line(s) {torn}')
        cut = [key for key, g in groups.items() if g not in complete]
        if cut:
            problems.append(f'{path}: left out iteration(s) cut short, '
                            f'(phase, iteration): {cut}')
    return complete
