"""The spine of the study page: every watched function that ran, in call
order and indented by its caller, with its source as it ran and a badge
per bound name beside each line.

A badge reads ``name: concrete = symbolic · values`` (the note of
:class:`..annotate.Annotator`) and carries the concrete shape in
``data-shape``. A line that ran in several passes holds one ``.pass`` per
pass, each with its ``data-pass`` key (``image=0|level=2``); without
JavaScript every pass is shown, with it a selector steps through them.
"""
import json

from ...knowledge.line_marks import link_lines
from ...knowledge.scopes import scope_of_path
from ...knowledge.texts import LANGUAGES
from ...tracefile import TensorDesc
from ..annotate import SourceLayout
from ..statements import (annotator_for, call_tree, caller_anchor,
                          code_rows, executed_statements, explanation_key,
                          explanation_values, pass_label, stage_note_key,
                          statement_passes)
from .markup import (both, each_language, esc, inline, mark_symbols,
                     split_text, tag)

_MARKS = ((' ≠ ', 'bad'), (' ≈ ', 'known'), (' = ', 'ok'))


def pass_key(ctx):
    """``image=0|level=2``: a pass context as one string."""
    return '|'.join(f'{k}={v}' for k, v in ctx.items())


def render_toc(step):
    """The call tree as nested links."""
    items = []
    for anchor, depth, name, calls in call_tree(step.calls):
        times = f' <span class="times">×{calls}</span>' if calls > 1 else ''
        items.append(f'<li style="--depth:{depth}"><a href="#{anchor}">'
                     f'{anchor[3:]}. <code>{esc(name)}</code></a>{times}'
                     '</li>')
    return '<ol class="tree">' + ''.join(items) + '</ol>'


def render_functions(step):
    """Every function section, in call order."""
    return ''.join(_Function(step, index, r).render()
                   for index, r in enumerate(step.calls, 1))


class _Function:

    def __init__(self, step, index, record):
        self.step = step
        self.index = index
        self.r = record
        self.anchor = f'fn-{index}'
        self.scope = scope_of_path(record.values['path'])
        self.pass_labels = {}  # key -> {language: label}, in order

    def render(self):
        r, v = self.r, self.r.values
        depth = len(v['path']) - 1
        code = self._code()
        head = (f'<h3><span class="num">{self.index}.</span> '
                f'<code>{esc(r.name)}</code>'
                + (f' <span class="times">×{v["calls"]}</span>'
                   if v['calls'] > 1 else '') + '</h3>')
        parts = [head, self._facts(), self._stages(), self._explanation(),
                 self._selector(), self._pictures(), code]
        return tag('section', ''.join(parts), class_='fn', id=self.anchor,
                   style=f'--depth:{depth}', data_depth=depth)

    # the head ----------------------------------------------------------------
    def _facts(self):
        r, v = self.r, self.r.values
        parts = []
        if v.get('mro'):
            path = ' → '.join(v['mro'][:-1] + [f'**{v["mro"][-1]}**'])
            parts.append(both('@called_on', self_type=v['self_type'],
                              path=f'{path}.{r.name.split(".")[-1]}'))
        parts.append(both('@defined_at', source=r.source))
        if v['calls'] > 1:
            parts.append(both('@calls', calls=v['calls']))
        caller = caller_anchor(self.step.calls, r)
        if len(v['path']) > 1:
            name = esc(v['path'][-2])
            link = (f'<a href="#{caller}"><code>{name}</code></a>' if caller
                    else f'<code>{name}</code>')
            parts.append(each_language(lambda language: inline(
                split_text(language, '@called_from', 'caller'))[0] + link
                + inline(split_text(language, '@called_from', 'caller')[1])))
        out = '<p class="facts">' + ' · '.join(parts) + '</p>'
        if v.get('reproduces'):
            out += '<p class="facts">' + both(
                '@reimplemented', source=r.source,
                reproduces=v['reproduces'],
                reproduces_source=v['reproduces_source']) + '</p>'
        return out

    def _stages(self):
        stages = self.step.stages_of.get(self.anchor, [])
        if not stages:
            return ''
        links = ', '.join(
            f'<a href="#{esc(self.step.stage_id(s))}"><code>{esc(s)}</code>'
            '</a>' for s in stages)
        return '<p class="facts stages">' + each_language(
            lambda language: inline(
                split_text(language, '@stages', 'links')[0]) + links) + '</p>'

    def _explanation(self):
        values = explanation_values(self.r, self.step.symbols)
        key = explanation_key(self.r)
        if not any(self.step.word(language, key) for language in LANGUAGES):
            return ''
        try:
            first, source = self.step.read(self.r.source)
        except (OSError, ValueError):
            first, source = 0, []

        def lines(body):
            return link_lines(
                body, first, source,
                lambda words, line: f'[{words}](#{self.anchor}-L{line})')

        note = stage_note_key(self.r)
        note = both(note, element='div', block=True, **values) if note else ''
        return tag('div', note + both(key, element='div', block=True,
                                      transform=lines, **values),
                   class_='explain')

    def _selector(self):
        """A place for the function's pass selector (filled by the
        script from the ``.pass`` elements of the section)."""
        if not self.pass_labels:
            return ''
        options = ''.join(
            tag('option', each_language(lambda lang, ls=labels: esc(ls[lang])),
                value=key) for key, labels in self.pass_labels.items())
        return (f'<div class="fn-passes" hidden>'
                f'{both("@study_function_passes")} '
                f'<select class="fn-pass">'
                f'<option value="">{esc("—")}</option>{options}</select>'
                '</div>')

    def _pictures(self):
        return ''.join(self.step.picture_html(kind)
                       for kind in self.step.pictures_at.get(self.anchor, []))

    # the code ----------------------------------------------------------------
    def _code(self):
        r = self.r
        try:
            first, source = self.step.read(r.source)
            layout = SourceLayout(first, source, bool(
                r.values.get('reproduces')))
        except (OSError, SyntaxError, ValueError, ImportError) as err:
            return tag('p', esc(f'({r.source}: {type(err).__name__}: '
                                f'{err})'), class_='error')
        executed, folded = executed_statements(r, layout)
        notes = self._notes(layout)
        rows = []
        for row in code_rows(first, source, layout, executed):
            if row.kind != 'line':
                rows.append(
                    '<tr class="fold"><td class="ln">⋮</td><td class="src">'
                    + esc(row.indent) + '# ' + both(
                        f'@{row.kind}', count=row.count) + '</td></tr>')
                continue
            line_id = f'{self.anchor}-L{row.number}'
            title = None if row.ran else ' '.join(
                self.step.word(language, '@study_not_run')
                for language in LANGUAGES)
            rows.append(tag(
                'tr', f'<td class="ln"><a href="#{line_id}">{row.number}'
                '</a></td><td class="src">' + esc(row.text) + '</td>',
                id=line_id, class_='ran' if row.ran else 'skip',
                title=title))
            if row.number in notes or row.number in folded:
                rows.append('<tr class="notes"><td></td><td>'
                            + notes.get(row.number, '')
                            + self._folded(folded.get(row.number))
                            + '</td></tr>')
        return '<table class="code"><tbody>' + ''.join(rows) + \
            '</tbody></table>'

    def _folded(self, count):
        if not count:
            return ''
        return tag('div', both('@more_passes', count=count), class_='more')

    def _notes(self, layout):
        """``{line: html}`` of the badges after each statement, in every
        language (a note differs by language only in its words)."""
        per_language = {}
        levels = []
        for language in LANGUAGES:
            annotator = annotator_for(self.r, self.step.symbols, self.scope,
                                      self.step.run_levels, language)
            per_language[language] = statement_passes(
                self.r, self.scope, layout, annotator)
            levels = annotator.levels
        out = {}
        first = per_language[LANGUAGES[0]]
        for line, passes in first.items():
            others = [per_language[lang][line] for lang in LANGUAGES]
            out[line] = self._line_passes(passes, others, levels)
        return out

    def _line_passes(self, passes, by_language, levels):
        groups = []
        for number, (ctx, named) in enumerate(passes):
            badges = ''.join(
                self._badge(name, desc, [entries[number][1][k][1]
                                         for entries in by_language])
                for k, (name, _, desc) in enumerate(named))
            groups.append((ctx, badges))
        labels = {lang: [pass_label(ctx, levels, lang) for ctx, _ in passes]
                  for lang in LANGUAGES}
        if len({badges for _, badges in groups}) == 1 and (
                len(groups) > 1 or not pass_key(groups[0][0])):
            same = ''
            if any(labels[LANGUAGES[0]]):
                same = ' ' + each_language(lambda lang: esc(
                    self.step.word(lang, '@same_each',
                                   labels=', '.join(labels[lang]))))
            return f'<div class="line-notes">{groups[0][1]}{same}</div>'
        out = []
        for number, (ctx, badges) in enumerate(groups):
            key = pass_key(ctx)
            names = {lang: labels[lang][number] for lang in LANGUAGES}
            self.pass_labels.setdefault(key, names)
            label = each_language(lambda lang: esc(names[lang]))
            out.append(tag('div', f'<span class="label">{label}</span> '
                           + badges, class_='pass', data_pass=key))
        return tag('div', ''.join(out), class_='passes',
                   data_count=len(out))

    def _badge(self, name, desc, notes):
        mark = next((m for sep, m in _MARKS if sep in notes[0]), 'plain')
        symbols = self.step.symbols
        if len(set(notes)) == 1:
            body = mark_symbols(esc(notes[0]), symbols)
        else:
            body = ''.join(tag('span', mark_symbols(esc(note), symbols),
                               lang=lang)
                           for lang, note in zip(LANGUAGES, notes))
        shape = json.dumps(desc.shape) if isinstance(desc, TensorDesc) \
            else None
        return tag('span', body, class_=f'badge {mark}', data_name=name,
                   data_shape=shape)
