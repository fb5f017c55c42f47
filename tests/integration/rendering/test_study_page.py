"""The study page of a real traced step, opened in headless Chromium.

Expectations come from the trace records and from the test's own input
(anchors and IoUs computed with stock mmdet), not from the page's code.
"""
import io
import os.path as osp

import pytest
import torch
from browser import Opened
from conftest import TRAIN_BOXES, model_config

from mmdet_frcnn_annotated.knowledge.symbols import shape_text
from mmdet_frcnn_annotated.tracefile import TensorDesc, describe_from_json


@pytest.fixture(scope='module')
def page_path(stepped_models):
    return osp.join(stepped_models['out_dir'], 'train_iter0.html')


@pytest.fixture(scope='module')
def train(stepped_models):
    return stepped_models['trace']['train']


@pytest.fixture()
def opened(browser, page_path):
    page = Opened(browser, page_path)
    yield page
    page.close()


def _calls(records):
    return [r for r in records if r.kind == 'call']


def _tensor_bindings(record):
    """``{(name, shape, note start)}`` of the tensors a function's lines
    bound; a badge's text starts with ``name: (shape)``."""
    found = set()
    for entries in record.values['lines'].values():
        for _, names in entries:
            for name, data in names.items():
                desc = describe_from_json(data)
                if isinstance(desc, TensorDesc):
                    found.add((name, str(desc.shape).replace(' ', ''),
                               f'{name}: {shape_text(desc.shape)}'))
    return found


def test_loads_from_disk_without_errors_or_requests(opened):
    assert opened.messages == []
    assert opened.other_requests() == []
    assert opened.page.title()


def test_every_bound_tensor_has_its_badge(opened, train):
    page = opened.page
    for index, record in enumerate(_calls(train), 1):
        badges = page.evaluate(
            '''id => Array.from(document.querySelectorAll(
                   `#${id} .badge[data-shape]`)).map(
                   b => [b.dataset.name, b.dataset.shape.replace(/ /g, ''),
                         b.textContent])
            ''', f'fn-{index}')
        expected = _tensor_bindings(record)
        shown = {(name, shape, start) for name, shape, text in badges
                 for _, _, start in expected if text.startswith(start + ' ')
                 or text == start}
        assert shown == expected, record.name


def test_a_badge_reads_the_recorded_shape(opened, train):
    text = opened.page.inner_text('#fn-1 .badge[data-name="img"]')
    images = train[0].values
    assert text.startswith(
        f'img: {shape_text([images["N"], 3, images["H"], images["W"]])}')
    assert '= (N, 3, H, W)' in text


def _level_passes(train):
    """The forward of one FPN level: its record and its passes of ``x``."""
    record = next(r for r in _calls(train)
                  if r.name.endswith('forward_single'))
    for line, entries in record.values['lines'].items():
        shapes = [describe_from_json(names['x']).shape
                  for _, names in entries if 'x' in names]
        if len(shapes) > 1:
            return _calls(train).index(record) + 1, shapes
    raise AssertionError('no per-level pass of x')


def test_stepping_a_loop_shows_each_pass_in_turn(opened, train):
    index, shapes = _level_passes(train)
    group = opened.page.locator(
        f'#fn-{index} .passes:has(.badge[data-name="x"])').first
    for shape in shapes:
        shown = group.locator('.pass.on .badge[data-name="x"]')
        assert shown.get_attribute('data-shape') == str(shape)
        assert shape_text(shape) in shown.inner_text()
        group.locator('.stepper button').last.click()
    # one step more wraps round to the first pass
    assert group.locator('.pass.on .badge[data-name="x"]').get_attribute(
        'data-shape') == str(shapes[0])


def test_the_function_selector_moves_every_line_to_one_pass(opened, train):
    index, shapes = _level_passes(train)
    section = opened.page.locator(f'#fn-{index}')
    section.locator('select.fn-pass').select_option('level=2')
    keys = section.evaluate(
        '''s => Array.from(s.querySelectorAll('.passes')).map(
               g => g.querySelector('.pass.on').dataset.pass)''')
    assert keys and set(keys) == {'level=2'}
    assert section.locator('.pass.on .badge[data-name="x"]').first\
        .get_attribute('data-shape') == str(shapes[2])


def test_chinese_leaves_no_english_and_survives_a_reload(opened):
    page = opened.page
    page.click('label[for=lang-zh]')
    visible_english = page.evaluate(
        '''() => Array.from(document.querySelectorAll('body [lang=en]'))
               .filter(e => e.getClientRects().length > 0).length''')
    assert visible_english == 0
    explained = page.locator('.explain [lang=zh]').first
    assert explained.is_visible()
    assert any('\u4e00' <= ch <= '\u9fff' for ch in explained.inner_text())
    page.reload()
    assert page.is_checked('#lang-zh')
    assert page.locator('.explain [lang=en]').first.is_hidden()


def test_clicking_a_symbol_marks_where_it_appears(opened):
    page = opened.page
    page.click('.glossary .sym[data-sym="N"]')
    marked = page.evaluate(
        """() => Array.from(document.querySelectorAll('.sym.marked'))
               .map(s => s.dataset.sym)""")
    assert len(marked) > 10 and set(marked) == {'N'}
    # a badge of the code is among them
    assert page.locator('.badge .sym.marked').count() > 0
    page.click('.glossary .sym[data-sym="N"]')
    assert page.locator('.sym.marked').count() == 0


def test_every_picture_decodes_beside_its_function(opened, train):
    drawn = next(r for r in train if r.kind == 'pictures').values['pictures']
    sizes = opened.page.evaluate(
        '''() => Array.from(document.images).map(
               i => [i.dataset.kind, i.naturalWidth])''')
    assert sorted(kind for kind, _ in sizes) == sorted(
        p['kind'] for p in drawn)
    assert all(width > 0 for _, width in sizes)
    # the RPN's targets are drawn beside the function that made them
    assert opened.page.locator(
        'section.fn:has(> #picture-rpn_targets) > h3 code').inner_text() == \
        'AnchorHead._get_targets_single'


def test_without_javascript_every_function_and_pass_is_there(
        browser, page_path, train):
    page = Opened(browser, page_path, javascript=False)
    try:
        sections = page.page.locator('section.fn').count()
        assert sections == len(_calls(train))
        badges = page.page.locator('.badge[data-shape]')
        assert badges.count() > 100
        hidden = page.page.evaluate(
            '''() => Array.from(document.querySelectorAll('.pass'))
                   .filter(p => p.getClientRects().length == 0).length''')
        assert hidden == 0
    finally:
        page.close()


def test_the_positive_mask_counts_what_stock_mmdet_counts(opened, train):
    """The RPN assigner's first positive mask (IoU >= pos_iou_thr) holds as
    many True as stock mmdet's anchors and IoUs give for the test's own
    boxes; the sampler keeps min(num * pos_fraction, positives)."""
    from mmdet.core import build_anchor_generator
    from mmdet.core.bbox.iou_calculators import bbox_overlaps
    model = model_config(True)
    generator = build_anchor_generator(model.rpn_head.anchor_generator)
    symbols = train[0].values
    sizes = [(-(-symbols['H'] // sh), -(-symbols['W'] // sw))
             for sw, sh in generator.strides]
    anchors = torch.cat(generator.grid_anchors(sizes, device='cpu'))
    gts = torch.tensor(TRAIN_BOXES[0], dtype=torch.float32)
    best = bbox_overlaps(gts, anchors).max(dim=0).values
    rpn = model.train_cfg.rpn
    expected = int((best >= rpn.assigner.pos_iou_thr).sum())

    assign = next(i for i, r in enumerate(_calls(train), 1)
                  if r.name.endswith('assign_wrt_overlaps'))
    section = opened.page.locator(f'#fn-{assign}')
    mask = section.locator(
        '.pass[data-pass="image=0"] .badge[data-name="pos_inds"]').first
    assert mask.get_attribute('data-shape') == str([anchors.shape[0]])
    assert f'{expected} True' in mask.inner_text()

    stats = next(r for r in train if r.stage == 'rpn_head/targets/img0'
                 and r.name == 'sampling').values
    positives = next(r for r in train if r.stage == 'rpn_head/targets/img0'
                     and r.name == 'assignment').values['positive']
    assert positives >= expected
    cap = int(rpn.sampler.num * rpn.sampler.pos_fraction)
    assert stats['sampled positives'] == min(cap, positives)
    target = next(i for i, r in enumerate(_calls(train), 1)
                  if r.name.endswith('_get_targets_single'))
    sampled = opened.page.locator(
        f'#fn-{target} .pass[data-pass="image=0"] '
        '.badge[data-name="pos_inds"]').first
    assert sampled.get_attribute('data-shape') == str(
        [min(cap, positives)])


def test_a_screenshot_is_not_blank(opened):
    from PIL import Image
    data = opened.page.screenshot()
    image = Image.open(io.BytesIO(data)).convert('L')
    assert image.size == (1400, 1000)
    histogram = image.histogram()
    # more than background: a good share of pixels are not the page colour
    assert sum(histogram[:200]) > 0.02 * image.size[0] * image.size[1]
    assert len([n for n in histogram if n]) > 50


PAYLOAD = '</script><img src=x onerror=alert(1)>'


def test_strings_from_the_run_render_as_text(browser, train, tmp_path):
    """A hostile class name, file name or config value reaches the page as
    text: no dialog, no element made from it, the one script intact."""
    import copy

    from mmdet_frcnn_annotated.rendering.html import render_html
    records = copy.deepcopy(train)
    for r in records:
        if r.kind == 'stats' and r.stage == 'input':
            for meta in r.values.values():
                meta['filename'] = PAYLOAD
        if r.kind == 'tensor' and r.stage.startswith('roi_head'):
            r.name = PAYLOAD
        if r.kind == 'config':
            r.values = dict(r.values, classes=PAYLOAD)
    records[-1].values['errors'] = [f'CLASSES {PAYLOAD}']
    path = tmp_path / 'hostile.html'
    path.write_text(render_html(records, files=[PAYLOAD]), encoding='utf-8')
    page = Opened(browser, str(path))
    try:
        assert page.dialogs == []
        assert page.page.evaluate(
            '() => document.querySelectorAll("img[src=x]").length') == 0
        assert page.page.evaluate('() => document.scripts.length') == 1
        assert PAYLOAD in page.page.inner_text('.errors')
        assert PAYLOAD in page.page.inner_text('section.stages')
        assert page.messages == []
    finally:
        page.close()


def test_the_test_step_shows_its_detections_beside_the_nms(
        browser, stepped_models):
    page = Opened(browser, osp.join(stepped_models['out_dir'],
                                    'test_iter0.html'))
    try:
        assert page.messages == [] and page.other_requests() == []
        assert page.page.locator(
            'section.fn:has(> #picture-detections) > h3 code').inner_text() \
            == 'multiclass_nms'
        assert page.page.locator(
            'section.fn:has(> #picture-proposals) > h3 code').inner_text() \
            == 'AnnotatedRPNHead._get_bboxes'
    finally:
        page.close()


def test_explanations_link_the_lines_they_explain(opened, train):
    """A ``[words](line:name)`` of a text becomes a link to the row of
    the function's source that holds the mark's snippet."""
    from mmdet_frcnn_annotated.knowledge import texts
    from mmdet_frcnn_annotated.knowledge.line_marks import LINE_MARKS, marks_in
    from mmdet_frcnn_annotated.rendering.statements import explanation_key
    linked = 0
    for index, record in enumerate(_calls(train), 1):
        marks = marks_in(texts.sections('functions', 'en').get(
            explanation_key(record), ''))
        rows = opened.page.evaluate(
            '''id => Array.from(document.querySelectorAll(
                   `#${id} > div.explain [lang=en] a`)).map(a => {
                   const row = document.getElementById(
                       a.getAttribute('href').slice(1));
                   return row && row.tagName === 'TR' &&
                       row.closest('section').id === id ?
                       row.querySelector('.src').textContent : null; })''',
            f'fn-{index}')
        assert len(rows) == len(marks), record.name
        for mark, row in zip(marks, rows):
            assert row is not None and LINE_MARKS[mark][1] in row, (
                record.name, mark, row)
        linked += len(marks)
    assert linked > 0
