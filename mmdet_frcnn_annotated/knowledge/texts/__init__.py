"""The texts of the listing, one set per language, kept apart from code.

Each language has two Markdown files in this folder:

* ``functions.<lang>.md``: one section per listed function, headed
  ``## Class.method`` (or ``## function``), explaining what it does and why
  its shapes are what they are;
* ``page.<lang>.md``: the words of the page itself (title, how to read it,
  labels), headed ``## @key``;
* ``behaviours.<lang>.md``: the known mmdet 2.11 behaviours that look like
  shape mismatches (``knowledge/known_behaviours.py``), headed ``## key``
  and ``## key@short``;
* ``report.<lang>.md``: the words of the stage report, ``## @report_key``;
* ``stages.<lang>.md``: per stage family (``knowledge/stages.py``) its
  flow-chart label and its note, and the caption of each picture;
* ``glossary.<lang>.md``: the meaning of each symbol, ``## symbol:X``;
* ``study.<lang>.md``: the words of the HTML study page, ``## @study_key``.

Bodies are ``str.format_map`` templates: ``{pos_iou_thr}`` is filled with
the value of this run, ``{{`` and ``}}`` are literal braces. A reader can
correct a sentence here without touching the tracer.
"""
import functools
import os.path as osp
import string

LANGUAGES = ('en', 'zh')
# The text files of each language, ``<kind>.<lang>.md``.
KINDS = ('functions', 'page', 'behaviours', 'report', 'stages', 'glossary',
         'study')
_HERE = osp.dirname(osp.abspath(__file__))


def _sections(path):
    """``{key: body}`` of a file of ``## key`` sections."""
    sections, key, body = {}, None, []
    with open(path, encoding='utf-8') as f:
        for line in f:
            if line.startswith('## '):
                if key is not None:
                    sections[key] = ''.join(body).strip()
                key, body = line[3:].strip(), []
            elif key is not None:
                body.append(line)
    if key is not None:
        sections[key] = ''.join(body).strip()
    return sections


@functools.lru_cache(maxsize=None)
def texts(language):
    """All texts of ``language``, every file of :data:`KINDS` together."""
    if language not in LANGUAGES:
        raise ValueError(f'no texts for language {language!r}; '
                         f'available: {LANGUAGES}')
    found = {}
    for kind in KINDS:
        found.update(sections(kind, language))
    return found


@functools.lru_cache(maxsize=None)
def sections(kind, language):
    """``{key: text}`` of one file, ``<kind>.<language>.md``."""
    return _sections(osp.join(_HERE, f'{kind}.{language}.md'))


class _Values(dict):
    """Leaves an unknown ``{name}`` as it is instead of failing."""

    def __missing__(self, key):
        return '{' + key + '}'


def fill(template, values):
    """``template`` with ``{name}`` replaced from ``values`` (numbers and
    booleans as Python writes them); unknown names stay visible."""
    try:
        return string.Formatter().vformat(template, (), _Values(values))
    except (ValueError, IndexError, AttributeError):
        return template


def fill_all(template, values):
    """``template`` filled from ``values``, or '' when it names a value
    that ``values`` does not have (a sentence is better left out than
    written with a gap or a guess)."""
    try:
        return template.format_map(values)
    except (KeyError, ValueError, IndexError, AttributeError):
        return ''


def text(language, text_key, **values):
    """The text of ``text_key`` in ``language``, filled; '' when there is
    none."""
    template = texts(language).get(text_key)
    return fill(template, values) if template else ''
