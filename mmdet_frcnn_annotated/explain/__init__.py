"""The texts of the listing, one set per language, kept apart from code.

Each language has two Markdown files in this folder:

* ``functions.<lang>.md``: one section per listed function, headed
  ``## Class.method`` (or ``## function``), explaining what it does and why
  its shapes are what they are;
* ``page.<lang>.md``: the words of the page itself (title, how to read it,
  labels), headed ``## @key``;
* ``behaviours.<lang>.md``: the known mmdet 2.11 behaviours that look like
  shape mismatches (``tracing/known_behaviours.py``), headed ``## key``
  and ``## key@short``.

Bodies are ``str.format_map`` templates: ``{pos_iou_thr}`` is filled with
the value of this run, ``{{`` and ``}}`` are literal braces. A reader can
correct a sentence here without touching the tracer.
"""
import functools
import os.path as osp
import string

LANGUAGES = ('en', 'zh')
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
    """All texts of ``language``: function explanations and page words."""
    if language not in LANGUAGES:
        raise ValueError(f'no texts for language {language!r}; '
                         f'available: {LANGUAGES}')
    found = {}
    for kind in ('functions', 'page', 'behaviours'):
        path = osp.join(_HERE, f'{kind}.{language}.md')
        if osp.isfile(path):
            found.update(_sections(path))
    return found


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


def text(language, key, **values):
    """The text of ``key`` in ``language``, filled; '' when there is none."""
    template = texts(language).get(key)
    return fill(template, values) if template else ''
