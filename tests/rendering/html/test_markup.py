"""Escaping and the few Markdown forms of the study page's texts."""
from mmdet_frcnn_annotated.knowledge import texts
from mmdet_frcnn_annotated.knowledge.texts import LANGUAGES
from mmdet_frcnn_annotated.rendering.html.markup import (
    attrs, blocks, both, esc, inline, mark_symbols)


def test_escaping_covers_tags_and_quotes():
    assert esc('<a href="x">&\'') == '&lt;a href=&quot;x&quot;&gt;&amp;&#x27;'
    assert attrs(data_name='"><b>', class_='c', hidden=True, title=None) == \
        ' data-name="&quot;&gt;&lt;b&gt;" class="c" hidden'


def test_inline_code_bold_and_only_safe_links():
    assert inline('`a<b` and **c**') == '<code>a&lt;b</code> and <b>c</b>'
    assert inline('[r](train_iter0.md#stage-x)') == \
        '<a href="train_iter0.md#stage-x">r</a>'
    assert inline('[r](#fn-3)') == '<a href="#fn-3">r</a>'
    # anything else stays text
    assert '<a' not in inline('[x](javascript:alert(1))')
    assert '<a' not in inline('[x](https://example.com/)')


def test_blocks_make_paragraphs_and_lists():
    assert blocks('one\ntwo\n\n- a\n- b `c`\n\nend') == (
        '<p>one two</p><ul><li>a</li><li>b <code>c</code></li></ul>'
        '<p>end</p>')


def test_both_gives_every_language_its_own_element():
    html = both('@study_pictures')
    for language in LANGUAGES:
        assert f'<span lang="{language}">' + esc(
            texts.text(language, '@study_pictures')) + '</span>' in html


def test_symbols_are_marked_as_whole_words_only():
    symbols = {'N': 2, 'A': 3, 'h_2': 64}
    marked = mark_symbols(esc('(N, A*4, h_2) None NA'), symbols)
    assert marked.count('class="sym"') == 3
    assert 'data-sym="h_2">h_2<' in marked
    assert 'None NA' in marked
