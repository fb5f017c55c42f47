"""The annotated listing of one traced train step and one traced test step
of the toy model (``stepped_models``: two images of 256 x 320, the first
with three boxes, the second with none), checked against numbers worked
out here from the input and from stock mmdet."""
import math
import os.path as osp
import re

import goldens
import pytest
import torch
from conftest import assert_matches_golden

from mmdet_frcnn_annotated.cli import report_command as report_cli

H, W, N, A = 256, 320, 2, 3
LEVELS = [2, 3, 4, 5, 6]

# every function the listing promises, as mmdet names it
PROMISED = [
    'TwoStageDetector.forward_train', 'TwoStageDetector.simple_test',
    'TwoStageDetector.extract_feat', 'BaseDenseHead.forward_train',
    'RPNHead.forward_single', 'RPNHead.loss', 'RPNHead._get_bboxes',
    'AnchorHead.get_anchors', 'AnchorHead.get_targets',
    'AnchorHead._get_targets_single', 'AnchorHead.loss',
    'AnchorHead.loss_single', 'AnchorGenerator.grid_anchors',
    'AnchorGenerator.single_level_grid_anchors',
    'AnchorGenerator.valid_flags', 'MaxIoUAssigner.assign',
    'MaxIoUAssigner.assign_wrt_overlaps', 'BaseSampler.sample',
    'RandomSampler._sample_pos', 'RandomSampler._sample_neg',
    'DeltaXYWHBBoxCoder.encode', 'DeltaXYWHBBoxCoder.decode',
    'StandardRoIHead.forward_train', 'StandardRoIHead._bbox_forward',
    'StandardRoIHead._bbox_forward_train',
    'BBoxTestMixin.simple_test_bboxes', 'SingleRoIExtractor.forward',
    'SingleRoIExtractor.map_roi_levels', 'ConvFCBBoxHead.forward',
    'BBoxHead.get_targets', 'BBoxHead.loss', 'BBoxHead.get_bboxes',
    'multiclass_nms', 'bbox2roi', 'bbox2result'
]


@pytest.fixture(scope='module')
def pages(stepped_models):
    out_dir = stepped_models['out_dir']
    read = {}
    for phase in ('train', 'test'):
        for language in ('en', 'zh'):
            path = osp.join(out_dir, f'{phase}_iter0.listing.{language}.md')
            with open(path, encoding='utf-8') as f:
                read[phase, language] = f.read()
    return read


def _section(page, name, occurrence=0):
    """The text of the ``occurrence``-th section listing ``name``."""
    parts = re.split(r'\n(?=<a id="fn-\d+"></a>)', page)
    found = [p for p in parts if re.search(rf'### \d+\. `{re.escape(name)}`',
                                           p)]
    return found[occurrence]


def test_every_promised_function_is_listed(stepped_models):
    listed = set()
    for records in stepped_models['trace'].values():
        for r in records:
            if r.kind == 'call':
                listed.update({r.name, r.values.get('reproduces')})
    assert set(PROMISED) - listed == set()


def test_rpn_conv_outputs_per_level(pages):
    section = _section(pages['train', 'en'], 'RPNHead.forward_single')
    for level in LEVELS:
        h, w = math.ceil(H / 2**level), math.ceil(W / 2**level)
        assert (f'# P{level}: rpn_cls_score: ({N}, {A}, {h}, {w}) = '
                f'(N, A*1, h_{level}, w_{level})') in section
        assert (f'# P{level}: rpn_bbox_pred: ({N}, {4 * A}, {h}, {w}) = '
                f'(N, A*4, h_{level}, w_{level})') in section


def test_forward_train_found_through_the_mro(pages):
    section = _section(pages['train', 'en'], 'BaseDenseHead.forward_train')
    assert ('AnnotatedRPNHead → RPNHead → AnchorHead → '
            '**BaseDenseHead**.forward_train') in section
    assert 'mmdet/models/dense_heads/base_dense_head.py:22' in section


def test_sampled_positives_are_min_128_of_the_foreground(
        stepped_models, pages):
    from mmdet.core import build_assigner
    stock = stepped_models['stock']['model']
    inputs = stepped_models['inputs']
    sizes = [(math.ceil(H / 2**lv), math.ceil(W / 2**lv)) for lv in LEVELS]
    anchors = torch.cat(
        stock.rpn_head.anchor_generator.grid_anchors(sizes, device='cpu'))
    assigner = build_assigner(stock.train_cfg.rpn.assigner)
    result = assigner.assign(anchors, inputs['gt_bboxes'][0])
    foreground = int((result.gt_inds > 0).sum())
    assert foreground > 0
    section = _section(pages['train', 'en'], 'AnchorHead._get_targets_single')
    positives = min(128, foreground)
    assert (f'image 0: pos_inds: ({positives},) int64 = (P_0,)') in section
    # the second image has no ground truth: no positive at all
    assert 'image 1: pos_inds: (0,) int64 = (P_1,)' in section


def test_untaken_branch_is_marked(pages):
    section = _section(pages['train', 'en'], 'AnnotatedRPNHead._get_bboxes')
    (line, ) = [x for x in section.splitlines() if 'softmax(-1)[..., 0]' in x]
    assert re.match(r'\s*\d+· ', line)  # sigmoid RPN: softmax never ran


def test_reimplemented_steps_say_so(pages):
    section = _section(pages['train', 'en'], 'AnnotatedRPNHead._get_bboxes')
    assert ('same numerics as `RPNHead._get_bboxes` '
            '(`mmdet/models/dense_heads/rpn_head.py:82`)') in section
    assert 'lines that only record, folded' in section


def test_explanations_carry_this_runs_values(pages):
    rpn = _section(pages['train', 'en'], 'BaseSampler.sample', 0)
    roi = _section(pages['train', 'en'], 'BaseSampler.sample', 1)
    assert '256' in rpn and '128' in rpn
    assert '512' in roi and '0.25' in roi
    for page in pages.values():
        explained = [x for x in page.splitlines() if x.startswith('>')]
        assert len(explained) > 30
        assert not [x for x in explained if re.search(r'\{[a-z_]+\}', x)]


def _recorded_shapes(records):
    """The concrete shape of every tensor the line capture described, as
    the page writes it, worked out from the call records alone."""
    shapes = set()
    for r in records:
        if r.kind != 'call':
            continue
        for entries in r.values['lines'].values():
            for _, names in entries:
                for desc in names.values():
                    if desc and desc[0] == 'T':
                        dims = ', '.join(str(d) for d in desc[1])
                        shapes.add(f'({dims},)' if len(desc[1]) == 1 else
                                   f'({dims})')
    return shapes


def test_both_languages_show_every_recorded_shape(stepped_models, pages):
    for phase, records in stepped_models['trace'].items():
        expected = _recorded_shapes(records)
        assert len(expected) > 20, phase
        for language in ('en', 'zh'):
            page = pages[phase, language]
            assert sorted(s for s in expected if s not in page) == [], (
                phase, language)
        sections = len([r for r in records if r.kind == 'call'])
        for language in ('en', 'zh'):
            assert len(re.findall(r'^### \d+\. `', pages[phase, language],
                                  re.M)) == sections
    assert ', 0 disagreeing,' in pages['train', 'en']
    assert '其中 0 个不一致' in pages['train', 'zh']
    assert '正样本' in _section(pages['train', 'zh'],
                              'MaxIoUAssigner.assign_wrt_overlaps')


def test_stage_rows_link_to_the_listing(stepped_models):
    report = open(osp.join(stepped_models['out_dir'], 'train_iter0.md')).read()
    page = open(osp.join(stepped_models['out_dir'],
                         'train_iter0.listing.en.md')).read()
    (row, ) = [x for x in report.splitlines()
               if x.startswith('| rpn_cls_score') or x.startswith(
                   '| cls_score | (2, 3, 64, 80)')]
    anchor = re.search(r'\(train_iter0\.listing\.en\.md#(fn-\d+)\)',
                       row).group(1)
    assert f'<a id="{anchor}"></a>\n\n### {anchor[3:]}. ' \
           f'`RPNHead.forward_single`' in page
    assert '(train_iter0.md#stage-rpn_head-forward-P2)' in page


def test_report_command_writes_the_same_listing(stepped_models, tmp_path):
    out_dir = stepped_models['out_dir']
    report_cli.main([osp.join(out_dir, 'trace_rank0.jsonl'), '--out-dir',
                     str(tmp_path)])
    for name in ('train_iter0.listing.en.md', 'test_iter0.listing.zh.md'):
        assert (tmp_path / name).read_text(encoding='utf-8') == open(
            osp.join(out_dir, name), encoding='utf-8').read()


@pytest.mark.parametrize('language', ['en', 'zh'])
def test_listing_matches_golden_file(stepped_models, language):
    """The listing of the train step, with every source line written as
    ``⋯`` so that no one's code is kept here."""
    assert_matches_golden(
        goldens.listing_path(language),
        goldens.listing_text(stepped_models['trace']['train'], language))


def test_report_names_reimplemented_steps(stepped_models):
    report = open(osp.join(stepped_models['out_dir'], 'train_iter0.md')).read()
    rows = [x for x in report.splitlines()
            if x.startswith('| scores after nms_pre |')]
    assert len(rows) == len(LEVELS)
    assert all(
        '`AnnotatedRPNHead._get_bboxes` (mmdet_frcnn_annotated/models/'
        'dense_heads/annotated_rpn_head.py:' in row
        and 're-implemented in this package step by step; same numerics as '
        '`RPNHead._get_bboxes` (mmdet/models/dense_heads/rpn_head.py:82)'
        in row for row in rows)
