"""Safe HTML pieces of the study page: escaping, the two-language span,
the Markdown of the texts, and the marking of symbols.

Every string that comes from a run (file names, class names, config
values, shapes) goes through :func:`esc` before it reaches the page; the
texts of :mod:`...knowledge.texts` are escaped too and only then given
their few Markdown forms (code, bold, links to anchors and local files,
paragraphs and lists).
"""
import html
import re

from ...knowledge import texts
from ...knowledge.texts import LANGUAGES

_CODE = re.compile(r'`([^`]+)`')
_BOLD = re.compile(r'\*\*([^*]+)\*\*')
_LINK = re.compile(r'\[([^\]]+)\]\(([^)\s]+)\)')
_SAFE_HREF = re.compile(r'^(#[\w.-]+|[\w.-]+(\.md|\.png|\.html)(#[\w.-]*)?)$')


def esc(value):
    """Text that is safe between tags and inside quoted attributes."""
    return html.escape(str(value), quote=True)


def attrs(**values):
    """`` name="value"`` pairs, escaped; ``class_`` is ``class``, a
    ``data_x`` is ``data-x``, ``None`` and ``False`` are left out."""
    out = []
    for name, value in values.items():
        if value is None or value is False:
            continue
        name = name.rstrip('_').replace('_', '-')
        out.append(f' {name}' if value is True else f' {name}="{esc(value)}"')
    return ''.join(out)


def tag(name, body='', **values):
    return f'<{name}{attrs(**values)}>{body}</{name}>'


def inline(text):
    """One line of a text: escaped, then code, bold and safe links."""
    out = esc(text)
    out = _CODE.sub(lambda m: f'<code>{m.group(1)}</code>', out)
    out = _BOLD.sub(lambda m: f'<b>{m.group(1)}</b>', out)

    def link(match):
        href = html.unescape(match.group(2))
        if not _SAFE_HREF.match(href):
            return match.group(0)
        return f'<a href="{esc(href)}">{match.group(1)}</a>'

    return _LINK.sub(link, out)


def blocks(text):
    """A text of paragraphs and ``-`` lists as HTML blocks."""
    out, items, para = [], [], []

    def flush():
        if para:
            out.append('<p>' + inline(' '.join(para)) + '</p>')
            para.clear()
        if items:
            out.append('<ul>' + ''.join(f'<li>{inline(i)}</li>'
                                        for i in items) + '</ul>')
            items.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            flush()
        elif stripped.startswith(('- ', '* ')) or re.match(r'^\d+\. ',
                                                           stripped):
            if para:
                flush()
            items.append(re.sub(r'^(- |\* |\d+\. )', '', stripped))
        elif items and line.startswith('  '):
            items[-1] += ' ' + stripped
        else:
            if items:
                flush()
            para.append(stripped)
    flush()
    return ''.join(out)


def both(key, element='span', block=False, transform=None, **values):
    """The text of ``key`` in every language, each in its own element
    with its ``lang``; the page shows one language at a time.
    ``transform`` (the filled Markdown -> Markdown) runs before the
    text is turned into HTML."""
    parts = []
    for language in LANGUAGES:
        body = texts.text(language, key, **values)
        if transform is not None:
            body = transform(body)
        body = blocks(body) if block else inline(body)
        parts.append(tag(element, body, lang=language))
    return ''.join(parts)


def split_text(language, key, slot):
    """The text of ``key`` cut at ``{slot}``: what goes before and after
    a link put in its place."""
    template = texts.texts(language).get(key, '{' + slot + '}')
    before, _, after = template.partition('{' + slot + '}')
    return before, after


def each_language(render, element='span'):
    """``render(language) -> html`` wrapped per language."""
    return ''.join(tag(element, render(language), lang=language)
                   for language in LANGUAGES)


def mark_symbols(escaped, symbols):
    """Wrap the names of ``symbols`` in escaped text as clickable marks
    (``<span class="sym" data-sym="N">N</span>``), whole words only."""
    if not symbols:
        return escaped
    names = sorted(symbols, key=len, reverse=True)
    pattern = re.compile(r'(?<![\w.])(' + '|'.join(
        re.escape(esc(n)) for n in names) + r')(?![\w:])')
    return pattern.sub(
        lambda m: f'<span class="sym" data-sym="{m.group(1)}">'
        f'{m.group(1)}</span>', escaped)
