"""The annotated listing: the source of every watched function that ran,
with the shapes of this step as trailing comments, in one language.

Rendered from records alone (the ``call`` records of the line capture and
the ``symbols`` record), so a live run and ``python -m
mmdet_frcnn_annotated.report`` write the same page. Source lines are read
from the installed packages when the page is rendered; the words come from
:mod:`mmdet_frcnn_annotated.knowledge.texts`.

Glossary: the symbols of :mod:`.symbols`; a *pass* is one run of a line,
labelled by the image (``image 1``), the FPN level (``P3``) or the
ground-truth box (``gt 2``) it was for.
"""
import functools

from ..knowledge import texts
from ..knowledge.known_behaviours import by_key
from ..knowledge.line_marks import link_lines
from ..knowledge.scopes import scope_of_path
from ..tracefile import summary_of
from .annotate import (SourceLayout, anchor_for, anchors, read_source,
                       stage_anchor)
from .statements import (annotator_for, call_tree, caller_anchor, code_rows,
                         executed_statements, explanation_key,
                         explanation_values, pass_label, stage_note_key,
                         statement_passes)

_FENCE = '```'
_INLINE = 100  # longest code line with its note kept on one line
_WIDTH = 110  # longest note line before it wraps


def _wrap(note):
    """A long note over several comment lines, broken between names."""
    lines, current = [], ''
    for part in note.split('; '):
        if current and len(current) + len(part) + 2 > _WIDTH:
            lines.append(current + ';')
            current = '  ' + part
        else:
            current = f'{current}; {part}' if current else part
    return lines + [current]


def render_listing(records, language, report=None, source_reader=None,
                   redact=False):
    """Markdown listing of one traced step in ``language``.

    Args:
        records (list[TraceRecord]): the records of one phase of one step.
        language (str): ``'en'`` or ``'zh'``.
        report (str, optional): file name of the stage report, for links.
        source_reader (callable, optional): ``source -> (first, lines)``;
            defaults to reading the installed package.
        redact (bool): write ``⋯`` for the text of each source line (the
            notes, numbers and marks stay), for comparing pages without
            carrying anyone's source.
    """
    page = _Page(records, language, report, source_reader or read_source)
    page.redact = redact
    return page.render()


class _Page:

    def __init__(self, records, language, report, source_reader):
        self.head = records[0]
        self.tail = summary_of(records)
        self.calls = [r for r in records if r.kind == 'call']
        self.stages = [r for r in records if r.kind in ('tensor', 'stats')]
        self.language = language
        self.report = report
        # each function's source is read once, for its links and its code
        self.read = functools.lru_cache(maxsize=None)(source_reader)
        self.symbols = self.head.values
        self.anchor_maps = anchors(records)
        self.run_levels = next(
            (c.values['levels'] for c in self.calls
             if c.values.get('levels')
             and scope_of_path(c.values['path']) == 'rpn_head'), None)
        self.checked = self.disagreements = 0
        self.known = set()
        self.redact = False

    def word(self, key, **values):
        return texts.text(self.language, key, **values)

    # the page ----------------------------------------------------------------
    def render(self):
        sections = [self._section(i, r) for i, r in enumerate(self.calls, 1)]
        lines = [
            '# ' + self.word('@title', phase=self.head.phase,
                             iteration=self.head.iteration), ''
        ]
        if self.report:
            lines += [self.word('@back', report=self.report), '']
        note = self.tail.values.get('listing')
        if note:
            lines += [self.word('@capture_skipped', reason=note), '']
        lines += [self.word('@intro'), '']
        lines += [
            self.word(
                '@summary', functions=len(self.calls),
                checked=self.checked, disagreements=self.disagreements,
                known=len(self.known)), ''
        ]
        lines += self._contents() + ['']
        for section in sections:
            lines += section
        lines += self._known_behaviours()
        return '\n'.join(lines)

    def _known_behaviours(self):
        if not self.known:
            return []
        lines = ['## ' + self.word('@known'), '']
        for key in sorted(self.known):
            lines += [f'### `{key}`', '',
                      self.word(key, source=by_key(key).source), '']
        return lines

    def _contents(self):
        lines = ['## ' + self.word('@toc'), '']
        for anchor, depth, name, calls in call_tree(self.calls):
            times = f' ×{calls}' if calls > 1 else ''
            lines.append(f'{"  " * depth}- [{anchor[3:]}. `{name}`]'
                         f'(#{anchor}){times}')
        return lines

    # one function ------------------------------------------------------
    def _section(self, index, r):
        v = r.values
        scope = scope_of_path(v['path'])
        lines = [f'<a id="fn-{index}"></a>', '',
                 f'### {index}. `{r.name}`', '']
        lines += self._facts_line(r, scope) + ['']
        explanation = self._explanation(r)
        if explanation:
            lines += ['> ' + line if line else '>'
                      for line in explanation.splitlines()] + ['']
        lines += self._code(r, scope)
        return lines + ['']

    def _facts_line(self, r, scope):
        v = r.values
        parts = []
        if v.get('mro'):
            path = ' → '.join(v['mro'][:-1] + [f'**{v["mro"][-1]}**'])
            parts.append(self.word('@called_on', self_type=v['self_type'],
                                   path=f'{path}.{r.name.split(".")[-1]}'))
        parts.append(self.word('@defined_at', source=r.source))
        if v['calls'] > 1:
            parts.append(self.word('@calls', calls=v['calls']))
        if len(v['path']) > 1:
            caller = v['path'][-2]
            target = caller_anchor(self.calls, r)
            parts.append(self.word('@called_from',
                                   caller=f'[`{caller}`](#{target})'
                                   if target else f'`{caller}`'))
        lines = [' · '.join(parts)]
        if v.get('reproduces'):
            lines += ['', self.word('@reimplemented', source=r.source,
                                    reproduces=v['reproduces'],
                                    reproduces_source=v['reproduces_source'])]
        stages = self._stage_links(r, scope)
        if stages and self.report:
            lines += ['', self.word('@stages', links=', '.join(stages))]
        return lines

    def _stage_links(self, r, scope):
        names = {r.name, r.values.get('reproduces')}
        seen = []
        for record in self.stages:
            if record.producer not in names or record.stage in seen:
                continue
            if anchor_for(self.anchor_maps, record.producer,
                          record.stage) != self._own_anchor(r):
                continue
            seen.append(record.stage)
        return [f'[`{s}`]({self.report}#{stage_anchor(s)})' for s in seen]

    def _own_anchor(self, r):
        return f'fn-{self.calls.index(r) + 1}'

    def _explanation(self, r):
        values = explanation_values(r, self.symbols)
        text = self.word(explanation_key(r), **values)
        note = stage_note_key(r)
        if note and text:
            text = self.word(note, **values) + '\n\n' + text
        if '](line:' not in text:
            return text
        try:
            first, source = self.read(r.source)
        except (OSError, ValueError):
            first, source = 0, []
        anchor = self._own_anchor(r)
        return link_lines(
            text, first, source, lambda words, line: self.word(
                '@line_link', words=words, line=line, anchor=anchor))

    # the code ----------------------------------------------------------
    def _code(self, r, scope):
        v = r.values
        try:
            first, source = self.read(r.source)
            layout = SourceLayout(first, source, bool(v.get('reproduces')))
        except (OSError, SyntaxError, ValueError, ImportError) as err:
            return [f'({r.source}: {type(err).__name__}: {err})']
        notes = self._notes(r, scope, layout)
        executed, folded = executed_statements(r, layout)
        out = [_FENCE + 'python']
        for row in code_rows(first, source, layout, executed):
            if row.kind == 'recording':
                out.append(f'     ⋮ {row.indent}# ' + self.word(
                    '@recording', count=row.count))
            elif row.kind == 'docstring':
                out.append(f'     ⋮ {row.indent}# ' + self.word(
                    '@docstring', count=row.count))
            else:
                out += self._lines(row.number, row.text, row.indent, row.ran,
                                   notes.get(row.number, []),
                                   folded.get(row.number))
        out.append(_FENCE)
        return out

    def _lines(self, line, text, indent, ran, notes, folded):
        gutter = f'{line:>5}{" " if ran else "·"} '
        if self.redact and text.strip():
            text = indent + '⋯'
        if folded:
            notes = notes + [self.word('@more_passes', count=folded)]
        if len(notes) == 1 and len(text) + len(notes[0]) + 4 <= _INLINE:
            return [f'{gutter}{text}  # {notes[0]}']
        out = [f'{gutter}{text}']
        for note in notes:
            out += [f'       {indent}# {part}' for part in _wrap(note)]
        return out

    def _notes(self, r, scope, layout):
        """``{line: [comment, ...]}``: the notes after each line."""
        annotator = annotator_for(r, self.symbols, scope, self.run_levels,
                                  self.language)
        notes = {}
        passes = statement_passes(r, scope, layout, annotator)
        for line, entries in passes.items():
            notes[line] = self._merge([
                (pass_label(ctx, annotator.levels, self.language),
                 '; '.join(note for _, note, _ in named))
                for ctx, named in entries])
        self.checked += annotator.checked
        self.disagreements += annotator.disagreements
        self.known.update(annotator.known)
        return notes

    def _merge(self, texts):
        """One note when every pass agrees, else one per pass."""
        if len(texts) == 1 and texts[0][0]:
            return [f'{texts[0][0]}: {texts[0][1]}']
        if len({note for _, note in texts}) == 1:
            labels = [label for label, _ in texts if label]
            note = texts[0][1]
            if labels:
                note += '  ' + self.word('@same_each',
                                         labels=', '.join(labels))
            return [note]
        return [f'{label}: {note}' if label else note
                for label, note in texts]
