"""The stage report of one traced step, in one language, from its records.

Sections: the counts, the symbols with their values and meaning, the flow
chart (:mod:`.flow`), the pictures, one table per stage in the order the
stages ran (with the stage family's note, filled with the learner's
config), the losses, the known mmdet behaviours met, and the code that
ran. Every word comes from ``knowledge/texts/report.<lang>.md`` and
``stages.<lang>.md``; this module only arranges them.
"""
import re
from collections import OrderedDict

from ..knowledge import texts
from ..knowledge.known_behaviours import by_key
from ..knowledge.stages import PICTURES, stage_of, with_derived
from ..knowledge.symbols import meaning, shape_text
from ..tracefile import pictures_of, summary_of
from .annotate import anchor_for, anchors, stage_anchor
from .flow import render_flow


_BACKGROUND = (('@stat_background_value',
                re.compile(r'^(-?\d+) \(background\)$')),
               ('@stat_background_class',
                re.compile(r'^background \(= C = (\d+)\)$')))


def stat_label(language, name):
    """The name of a count of the stage tables in ``language``
    (``stat:<name>`` of the report texts); a name without one stays."""
    found = texts.text(language, f'stat:{name}')
    if found:
        return found
    for key, pattern in _BACKGROUND:
        match = pattern.match(str(name))
        if match:
            return texts.text(language, key, value=match.group(1))
    return str(name)


def cell(text):
    """Text that is safe inside a Markdown table cell."""
    return str(text).replace('|', '\\|').replace('\n', ' ')


class ReportWords:
    """The texts of one language, filled with this step's values."""

    def __init__(self, language, records):
        self.language = language
        head = records[0]
        config = next((r.values for r in records if r.kind == 'config'), {})
        self.values = dict(with_derived(config, head.phase), **head.values)

    def __call__(self, text_key, **values):
        return texts.text(self.language, text_key, **values)

    def note(self, stage):
        """The note of the family of ``stage`` with the config's values, or
        '' when the config lacks a value it states."""
        family = stage_of(stage)
        if family is None:
            return ''
        template = texts.texts(self.language).get(
            family.note_key(self.values), '')
        return texts.fill_all(template, self.values)


def render_report(records, language='en', listing=None, present=None):
    """Markdown text of the stage report of one step.

    Args:
        records (list[TraceRecord]): symbols first, summary last.
        language (str): ``'en'`` or ``'zh'``.
        listing (str, optional): file name of the annotated listing of the
            same step; each row then links to the function that made it.
        present (callable, optional): ``file name -> bool``, whether a
            picture is beside the report; those that are not are named as
            absent. ``None`` takes every picture as present.
    """
    words = ReportWords(language, records)
    lines = _head(records, words)
    lines += _symbols(records[0], words)
    lines += render_flow(records, language)
    lines += _pictures(records, words, present or (lambda name: True))
    lines += _stages(records, words, listing)
    lines += _losses(records, words)
    lines += _known_behaviours(summary_of(records), words)
    lines += _code_that_ran(records, words)
    return '\n'.join(lines)


def _head(records, words):
    head, tail = records[0], summary_of(records)
    known = tail.values.get('known', [])
    counts = dict(tensors=tail.values['tensors'],
                  mismatches=tail.values['mismatches'], known=len(known))
    lines = [
        '# ' + words('@report_title', phase=head.phase,
                     iteration=head.iteration), '',
        words('@report_counts_known' if known else '@report_counts',
              **counts), ''
    ]
    errors = list(tail.values.get('errors', []))
    errors += next((r.values.get('errors', []) for r in records
                    if r.kind == 'pictures'), [])
    if errors:
        lines += [words('@report_errors'), '']
        lines += [f'- {e}' for e in errors] + ['']
    return lines


def _symbols(head, words):
    lines = ['## ' + words('@report_symbols'), '',
             words('@report_symbols_intro'), '',
             words('@report_symbol_header'), '| --- | --- | --- |']
    lines += [f'| {k} | {v} | {cell(meaning(k, words.language))} |'
              for k, v in head.values.items()]
    return lines + ['']


def _pictures(records, words, present):
    """The pictures of the step in the order of ``knowledge.stages``, each
    under its caption; a picture not beside the report is named absent."""
    drawn = {p['kind']: p for p in pictures_of(records)}
    kinds = [kind for kind, _ in PICTURES if kind in drawn]
    if not kinds:
        return []
    lines = ['## ' + words('@report_pictures'), '']
    for kind in kinds:
        caption = words(f'@picture_{kind}')
        name = drawn[kind]['file']
        lines += [f'**{caption}**', '']
        if present(name):
            lines += [f'![{caption}]({name})', '']
        else:
            lines += [words('@report_picture_absent', file=name), '']
    return lines


def _stages(records, words, listing):
    stages = OrderedDict()
    for record in records[1:-1]:
        if record.kind in ('tensor', 'stats'):
            stages.setdefault(record.stage, []).append(record)
    lines = ['## ' + words('@report_stages'), '',
             words('@report_stages_intro'), '']
    if listing:
        lines += [words('@report_listing_link', listing=listing), '']
    links = anchors(records) if listing else None
    noted = set()
    for stage, group in stages.items():
        lines += [f'<a id="{stage_anchor(stage)}"></a>', '',
                  f'### `{stage}`', '']
        note = words.note(stage)
        if note and note not in noted:
            noted.add(note)
            lines += [note, '']
        lines += _tensor_table(group, words, listing, links)
        lines += _stats(group, words.language)
    return lines


def _tensor_table(group, words, listing, links):
    tensors = [r for r in group if r.kind == 'tensor']
    if not tensors:
        return []
    lines = [words('@report_tensor_header'),
             '| --- | --- | --- | --- | --- |']
    for r in tensors:
        where = _where(r, words)
        target = (anchor_for(links, r.producer, r.stage)
                  if links and r.producer else None)
        if target:
            where += f' [{words("@report_listing")}]({listing}#{target})'
        symbolic = shape_text(r.symbolic) if r.symbolic else ''
        lines.append(f'| {cell(r.name)} | {shape_text(r.shape)} | '
                     f'{cell(symbolic)} | {_mark(r, words)} | '
                     f'{cell(where)} |')
    return lines + ['']


def _mark(record, words):
    if record.known:
        return words('@report_known_mark', key=record.known)
    if record.ok is None:
        return ''
    if record.ok:
        return '✓'
    return words('@report_mismatch') + ' ' + words(
        '@report_expected', shape=shape_text(record.expected))


def _stats(group, language):
    lines = []
    for r in group:
        if r.kind == 'stats':
            values = ', '.join(f'{stat_label(language, k)} = {v}'
                               for k, v in r.values.items())
            where = f' (`{r.producer}`)' if r.producer else ''
            lines.append(f'- **{cell(stat_label(language, r.name))}**'
                         f'{where}: {values}')
    return lines + [''] if lines else []


def _losses(records, words):
    losses = [r for r in records if r.kind == 'loss']
    if not losses:
        return []
    lines = ['## ' + words('@report_losses'), '',
             words('@report_loss_header'), '| --- | --- |']
    lines += [f'| {cell(r.name)} | {r.values["value"]:.6g} |'
              for r in losses]
    return lines + ['']


def _known_behaviours(tail, words):
    """What each known mmdet behaviour of the step is, and its source."""
    keys = tail.values.get('known', [])
    if not keys:
        return []
    lines = ['## ' + words('@report_known'), '']
    for key in keys:
        lines += [f'<a id="known-{key}"></a>', '', f'### `{key}`', '',
                  words(key, source=by_key(key).source), '']
    return lines


def _where(r, words):
    """Who computed a record: the mmdet method, or this package's
    step-by-step re-implementation and the mmdet method it reproduces."""
    if not r.producer:
        return ''
    where = f'`{r.producer}` ({r.source})'
    if r.reproduces:
        name, _, source = r.reproduces.partition(' (')
        where += ', ' + words('@report_reimplemented', reproduces=name,
                              source=source.rstrip(')'))
    return where


def _code_that_ran(records, words):
    """The functions that produced the records, in the order they first
    did: which class of the inheritance chain really defines each."""
    seen = OrderedDict()
    for r in records:
        if r.producer and r.kind in ('tensor', 'stats'):
            key = _where(r, words)
            seen[key] = seen.get(key, 0) + 1
    if not seen:
        return []
    lines = ['## ' + words('@report_code'), '', words('@report_code_intro'),
             '', words('@report_code_header'), '| --- | --- |']
    lines += [f'| {cell(where)} | {count} |' for where, count in seen.items()]
    return lines + ['']
