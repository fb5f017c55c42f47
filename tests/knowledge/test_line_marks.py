"""Every line a text links to is one line of the function it explains,
in every source the listing shows for it, and both languages link the
same lines."""
import inspect

import pytest

from mmdet_frcnn_annotated.knowledge import texts
from mmdet_frcnn_annotated.knowledge.line_marks import (LINE_MARKS,
                                                        link_lines, line_of,
                                                        marks_in)
from mmdet_frcnn_annotated.knowledge.watched import WATCHED, resolve


def _listed_sources():
    """``{text key: [(first line, source lines), ...]}`` of every watched
    function, as the listing shows it."""
    found = {}
    for spec, entry in WATCHED.items():
        key = (entry.reproduces or spec).split(':', 1)[1]
        lines, first = inspect.getsourcelines(resolve(spec)[0])
        found.setdefault(key, []).append((first, lines))
    return found


def test_every_mark_is_one_line_of_its_function():
    sources = _listed_sources()
    for name, (key, snippet) in LINE_MARKS.items():
        assert key in sources, name
        for first, lines in sources[key]:
            hits = [first + i for i, text in enumerate(lines)
                    if snippet in text]
            assert len(hits) == 1, (name, snippet, hits)
            assert line_of(name, first, lines) == hits[0]


@pytest.mark.parametrize('language', texts.LANGUAGES)
def test_texts_link_their_own_marks_only(language):
    for key, body in texts.sections('functions', language).items():
        # every link is read as one (no bracket inside its words)
        assert body.count('](line:') == len(marks_in(body)), key
        for name in marks_in(body):
            assert name in LINE_MARKS, (key, name)
            assert LINE_MARKS[name][0] == key, (key, name)


def test_both_languages_link_the_same_lines_and_every_mark_is_used():
    en, zh = (texts.sections('functions', language)
              for language in ('en', 'zh'))
    used = set()
    for key in en:
        assert sorted(marks_in(en[key])) == sorted(marks_in(zh[key])), key
        used.update(marks_in(en[key]))
    assert sorted(set(LINE_MARKS) - used) == []


def test_a_link_becomes_the_line_or_its_words():
    source = ['def f(x):\n', '    y = x + 1\n', '    return y\n']
    LINE_MARKS['_test_mark'] = ('f', 'x + 1')
    try:
        text = 'see [the sum](line:_test_mark) and [gone](line:_nothing)'
        out = link_lines(text, 10, source, lambda w, n: f'<{w}@{n}>')
        assert out == 'see <the sum@11> and gone'
        # a snippet on two lines is ambiguous: left unlinked
        assert link_lines(text, 10, source + ['    z = x + 1\n'],
                          lambda w, n: 'linked') == 'see the sum and gone'
    finally:
        del LINE_MARKS['_test_mark']
