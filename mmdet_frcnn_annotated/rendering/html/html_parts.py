"""The parts of the study page around its spine: the stage tables (each
row linked to the function that made it), the pictures, the flow drawn as
inline SVG, the symbols, the losses and the known behaviours met.

Every value from the run is escaped (:func:`.markup.esc`); every word
comes from :mod:`...knowledge.texts`, in each language.
"""
from collections import OrderedDict

from ...knowledge import texts
from ...knowledge.known_behaviours import by_key
from ...knowledge.symbols import meaning, shape_text
from ...knowledge.texts import LANGUAGES
from ..flow import flow_graph
from ..stage_report import stat_label
from .markup import both, each_language, esc, inline, mark_symbols, tag


def header_cells(key):
    """A table head from a ``| a | b |`` text, in every language."""
    cells = {lang: [c.strip() for c in
                    texts.text(lang, key).strip().strip('|').split('|')]
             for lang in LANGUAGES}
    count = len(cells[LANGUAGES[0]])
    return '<tr>' + ''.join(
        '<th>' + each_language(lambda lang, i=i: inline(
            cells[lang][i] if i < len(cells[lang]) else '')) + '</th>'
        for i in range(count)) + '</tr>'


def render_stages(step):
    groups = OrderedDict()
    for record in step.records[1:]:
        if record.kind in ('tensor', 'stats') and record.stage:
            groups.setdefault(record.stage, []).append(record)
    if not groups:
        return ''
    out = [tag('h2', both('@study_stages'), id='stages'),
           tag('p', both('@report_stages_intro'))]
    noted = set()
    for stage, group in groups.items():
        out.append(tag('h3', f'<code>{esc(stage)}</code>',
                       id=step.stage_id(stage)))
        notes = {lang: step.note(lang, stage) for lang in LANGUAGES}
        if notes[LANGUAGES[0]] and notes[LANGUAGES[0]] not in noted:
            noted.add(notes[LANGUAGES[0]])
            out.append(tag('div', ''.join(
                tag('div', inline(notes[lang]), lang=lang)
                for lang in LANGUAGES), class_='note'))
        out.append(_tensor_table(step, group))
        out.append(_stats(step, group))
    return tag('section', ''.join(out), class_='stages')


def _tensor_table(step, group):
    rows = []
    for r in group:
        if r.kind != 'tensor':
            continue
        symbolic = shape_text(r.symbolic) if r.symbolic else ''
        target = step.producer_anchor(r)
        where = ''
        if r.producer:
            where = f'<code>{esc(r.producer)}</code>'
            if target:
                where = f'<a href="#{esc(target)}">{where}</a>'
        rows.append(
            tag('tr', f'<td>{esc(r.name)}</td><td>{esc(shape_text(r.shape))}'
                f'</td><td>{mark_symbols(esc(symbolic), step.symbols)}</td>'
                f'<td>{_mark(r)}</td><td>{where}</td>',
                data_shape=str(r.shape)))
    if not rows:
        return ''
    return ('<table class="stage"><thead>'
            + header_cells('@report_tensor_header') + '</thead><tbody>'
            + ''.join(rows) + '</tbody></table>')


def _mark(record):
    if record.known:
        return (f'<a href="#known-{esc(record.known)}" class="known">≈ '
                f'{esc(record.known)}</a>')
    if record.ok is None:
        return ''
    if record.ok:
        return '<span class="ok">✓</span>'
    return (f'<span class="bad">≠ {esc(shape_text(record.expected or []))}'
            '</span>')


def _stats(step, group):
    items = []
    for r in group:
        if r.kind != 'stats':
            continue
        target = step.producer_anchor(r)
        where = ''
        if r.producer:
            where = f' (<code>{esc(r.producer)}</code>)'
            if target:
                where = f' (<a href="#{esc(target)}"><code>{esc(r.producer)}'\
                        '</code></a>)'
        name = each_language(lambda lang, r=r: esc(stat_label(lang, r.name)))
        values = each_language(lambda lang, r=r: esc(', '.join(
            f'{stat_label(lang, k)} = {v}' for k, v in r.values.items())))
        items.append(f'<li><b>{name}</b>{where}: {values}</li>')
    return '<ul class="stats">' + ''.join(items) + '</ul>' if items else ''


def render_glossary(step):
    rows = ''.join(
        f'<tr><td><span class="sym" data-sym="{esc(name)}">{esc(name)}'
        f'</span></td><td>{esc(value)}</td><td>'
        + each_language(lambda lang, n=name: esc(meaning(n, lang)))
        + '</td></tr>' for name, value in step.symbols.items())
    if not rows:
        return ''
    return tag('section', tag('h2', both('@study_glossary'), id='symbols')
               + tag('p', both('@study_glossary_intro'))
               + '<table class="glossary"><thead>'
               + header_cells('@report_symbol_header') + '</thead><tbody>'
               + rows + '</tbody></table>', class_='glossary')


def render_losses(step):
    losses = [r for r in step.records if r.kind == 'loss']
    if not losses:
        return ''
    rows = ''.join(f'<tr><td>{esc(r.name)}</td>'
                   f'<td>{esc(format(r.values["value"], ".6g"))}</td></tr>'
                   for r in losses)
    return tag('section', tag('h2', both('@report_losses'), id='losses')
               + '<table><thead>' + header_cells('@report_loss_header')
               + '</thead><tbody>' + rows + '</tbody></table>')


def render_known(keys):
    if not keys:
        return ''
    out = [tag('h2', both('@report_known'), id='known')]
    for key in keys:
        out.append(tag('h3', f'<code>{esc(key)}</code>', id=f'known-{key}'))
        out.append(both(key, element='div', block=True,
                        source=by_key(key).source))
    return tag('section', ''.join(out))


# the flow ------------------------------------------------------------------
_BOX_W, _BOX_H, _GAP_X, _GAP_Y = 230, 38, 30, 64


def render_flow_svg(step):
    """The stages as boxes in layers, the arrows between them, and under
    the drawing the tensors each arrow carries (as a list, so that it
    reads without the drawing)."""
    graphs = {lang: flow_graph(step.records, lang) for lang in LANGUAGES}
    boxes, arrows = graphs[LANGUAGES[0]]
    if not arrows:
        return ''
    layer = {node: 0 for node, _, _ in boxes}
    for _ in range(len(boxes)):
        for source, _, target in arrows:
            if layer[target] <= layer[source] and source != target:
                layer[target] = layer[source] + 1
    rows = OrderedDict()
    for node, _, _ in boxes:
        rows.setdefault(layer[node], []).append(node)
    widest = max(len(nodes) for nodes in rows.values())
    width = widest * (_BOX_W + _GAP_X) + _GAP_X
    where = {}
    for depth, nodes in sorted(rows.items()):
        # under the boxes that feed them, as far as the row allows
        order = {node: k for k, node in enumerate(nodes)}
        nodes.sort(key=lambda n: (_mean(
            [where[s][0] for s, _, t in arrows if t == n and s in where],
            order[n] * (_BOX_W + _GAP_X)), order[n]))
        offset = (width - len(nodes) * (_BOX_W + _GAP_X) + _GAP_X) / 2
        for k, node in enumerate(nodes):
            where[node] = (offset + k * (_BOX_W + _GAP_X),
                           _GAP_Y / 2 + depth * (_BOX_H + _GAP_Y))
    height = (max(rows) + 1) * (_BOX_H + _GAP_Y)
    labels = {lang: {node: label for node, _, label in graphs[lang][0]}
              for lang in LANGUAGES}
    parts = [f'<svg class="flow" viewBox="0 0 {width:.0f} {height:.0f}" '
             f'width="{width:.0f}" height="{height:.0f}" role="img" '
             'xmlns="http://www.w3.org/2000/svg"><defs><marker id="arrow" '
             'viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto-start-reverse"><path '
             'd="M0,0 L10,5 L0,10 z"/></marker></defs>']
    for source, items, target in arrows:
        (x1, y1), (x2, y2) = where[source], where[target]
        x1, y1, x2, y2 = x1 + _BOX_W / 2, y1 + _BOX_H, x2 + _BOX_W / 2, y2 - 2
        bend = (y2 - y1) / 2
        parts.append(
            f'<g class="edge"><title>{esc(" · ".join(items))}</title>'
            f'<path d="M{x1:.0f},{y1:.0f} C{x1:.0f},{y1 + bend:.0f} '
            f'{x2:.0f},{y2 - bend:.0f} {x2:.0f},{y2:.0f}" '
            'marker-end="url(#arrow)"/></g>')
    families = {node: family for node, family, _ in boxes}
    for node, (x, y) in where.items():
        text = ''.join(
            f'<text lang="{lang}" x="{x + _BOX_W / 2:.0f}" '
            f'y="{y + _BOX_H / 2 + 5:.0f}">{esc(_short(labels[lang][node]))}'
            '</text>' for lang in LANGUAGES)
        box = (f'<rect x="{x:.0f}" y="{y:.0f}" width="{_BOX_W}" '
               f'height="{_BOX_H}" rx="6"/>{text}'
               f'<title>{esc(labels[LANGUAGES[0]][node])}</title>')
        target = step.family_anchor(families[node])
        parts.append(f'<a href="#{esc(target)}" class="box">{box}</a>'
                     if target else f'<g class="box">{box}</g>')
    parts.append('</svg>')
    carried = ''.join(
        '<li>' + each_language(lambda lang, s=source, t=target: esc(
            f'{labels[lang][s]} → {labels[lang][t]}'))
        + ': ' + mark_symbols(esc(' · '.join(items)), step.symbols)
        + '</li>' for source, items, target in arrows if items)
    return tag('section', tag('h2', both('@study_flow'), id='flow')
               + tag('p', both('@study_flow_intro'))
               + '<div class="flow-wrap">' + ''.join(parts) + '</div>'
               + f'<ul class="arrows">{carried}</ul>')


def _mean(values, default):
    return sum(values) / len(values) if values else default


def _short(label, limit=32):
    return label if len(label) <= limit else label[:limit - 1] + '…'
