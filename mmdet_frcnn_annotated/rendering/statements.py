"""One function of a traced step, statement by statement: which source
rows to show, and the notes of each statement's passes.

Shared by the Markdown listing (:mod:`.listing`) and the study page
(:mod:`.html`): both walk the same rows and show the same notes.

Glossary: a *pass* is one run of a statement, labelled by its context
(``{'image': 1}``, ``{'level': 2}``, ``{'gt': 0}``); a *note* is
``name: concrete = symbolic · values`` of one bound name (see
:class:`.annotate.Annotator`).
"""
from collections import namedtuple

from ..knowledge import texts
from ..knowledge.scopes import in_cascade
from ..knowledge.stages import named_necks, per_stage
from ..tracefile import describe_from_json
from .annotate import Annotator, clip

#: a source row: ``kind`` is ``'line'`` (``number``, ``text``, ``indent``,
#: ``ran``), ``'recording'`` or ``'docstring'`` (``count`` rows folded)
Row = namedtuple('Row', 'kind number text indent ran count')


def code_rows(first, source, layout, executed):
    """The rows of a function's listing, folds included.

    Args:
        first (int): line number of ``source[0]``.
        source (list[str]): the function's lines.
        layout (SourceLayout): its statements.
        executed (set[int]): statement starts that ran.
    """
    skipping = None
    for offset, text in enumerate(source):
        line = first + offset
        text = text.rstrip('\n')
        indent = text[:len(text) - len(text.lstrip())]
        if line in layout.hidden:
            if skipping is None:
                skipping = [indent, 0]
            skipping[1] += 1
            continue
        if skipping:
            yield Row('recording', line, '', skipping[0], True, skipping[1])
            skipping = None
        if layout.docstring and layout.docstring[0] < line <= \
                layout.docstring[1]:
            if line == layout.docstring[0] + 1:
                yield Row('docstring', line, '', indent, True,
                          layout.docstring[1] - layout.docstring[0])
            continue
        start = layout.statement_of(line)  # a continuation line goes
        ran = start not in layout.statements or start in executed  # with it
        yield Row('line', line, text, indent, ran, 0)


def executed_statements(record, layout):
    """Statement starts that ran, and ``{start: passes not kept}``."""
    v = record.values
    executed = {layout.statement_of(line) for line in v['executed']}
    folded = {
        layout.statement_of(int(line)): count
        for line, count in v.get('folded', {}).items()
    }
    return executed, folded


def annotator_for(record, symbols, scope, run_levels, language):
    v = record.values
    return Annotator(symbols, v.get('facts') or {}, scope,
                     v.get('levels') or run_levels, language,
                     cascade=in_cascade(v['path']))


def statement_passes(record, scope, layout, annotator):
    """``{line: [(context, [(name, note, description)], ...)]}``: per
    statement (keyed by the line its notes follow), each pass with the
    note of every name it bound."""
    by_statement = {}
    for line, entries in record.values['lines'].items():
        start = layout.statement_of(int(line))
        by_statement.setdefault(start, []).extend(entries)
    out = {}
    for start, entries in by_statement.items():
        statement = layout.text_of(start)
        passes = []
        for ctx, names in entries:
            notes = []
            for name, data in names.items():
                desc = describe_from_json(data)
                notes.append((name, clip(annotator.annotate(
                    record.name, scope, name, desc, ctx, statement)), desc))
            passes.append((ctx, notes))
        out[layout.note_at.get(start, start)] = passes
    return out


def pass_label(ctx, levels, language):
    """``image 1 · P3`` (or ``图 1 · P3``) of a pass context."""
    parts = []
    for kind in ('stage', 'image', 'level', 'gt'):
        if kind not in ctx:
            continue
        index = ctx[kind]
        if kind == 'level' and index < len(levels):
            parts.append(f'P{levels[index]}')
        else:
            parts.append(texts.text(language, f'@{kind}', index=index))
    parts += [f'{kind} {index}' for kind, index in ctx.items()
              if kind not in ('stage', 'image', 'level', 'gt')]
    return ' · '.join(parts)


def call_tree(calls):
    """``(anchor, depth, name, calls)`` of each ``call`` record, in the
    order the functions first ran (the contents of a listing)."""
    return [(f'fn-{index}', len(r.values['path']) - 1, r.name,
             r.values['calls']) for index, r in enumerate(calls, 1)]


def caller_anchor(calls, record):
    """The anchor of the section of ``record``'s caller, or ``None``."""
    path = record.values['path'][:-1]
    for index, other in enumerate(calls, 1):
        if other.values['path'] == path:
            return f'fn-{index}'
    return None


def explanation_values(record, symbols):
    """The values an explanation of ``record`` is filled with: the config
    facts read at the call, ``num_pos`` and the symbols N, A, C."""
    facts = named_necks(record.values.get('facts') or {})
    if record.name.startswith('CascadeRoIHead.'):
        # lists of one value per stage, said as the stage notes say them
        facts = {name: per_stage(value) if isinstance(value, list) else value
                 for name, value in facts.items()}
    if 'num' in facts and 'pos_fraction' in facts:
        facts['num_pos'] = int(facts['num'] * facts['pos_fraction'])
    if 'reg_class_agnostic' in facts:
        facts['reg'] = '4' if facts['reg_class_agnostic'] else '4*C'
    return dict(facts, N=symbols.get('N', 'N'), A=symbols.get('A', 'A'),
                C=symbols.get('C', 'C'))


def explanation_key(record):
    """The text that explains ``record``'s function: the mmdet function it
    reproduces or its own, in its Cascade R-CNN form (``<key>@cascade``)
    when it ran for a cascade and that form exists."""
    key = record.values.get('reproduces') or record.name
    facts = record.values.get('facts') or {}
    if (facts.get('num_stages') or in_cascade(record.values['path'])) and \
            texts.text('en', f'{key}@cascade'):
        return f'{key}@cascade'
    return key


def stage_note_key(record):
    """``'@cascade_note'`` for a function that a cascade's stages call
    (its explanation is written for one box head), else None."""
    path = record.values['path']
    if in_cascade(path[:-1]) and not path[-1].startswith(
            ('CascadeRoIHead.', 'AnnotatedCascadeRoIHead.')):
        return '@cascade_note'
    return None
