"""Shapes of a traced train step and test step, expected by hand.

The input is two 256 x 320 images, the first with three boxes, the second
with none; the model has C = 3 classes and mmdet 2.11's R50-FPN defaults.
Every number below is worked out here from that input, not taken from the
code under test.
"""
import math

import pytest

# Levels P2..P6: strides 4..64, h_l = ceil(256 / s), w_l = ceil(320 / s).
LEVELS = {2: (64, 80), 3: (32, 40), 4: (16, 20), 5: (8, 10), 6: (4, 5)}
A = 3  # 1 scale x 3 ratios
C = 3
PER_LEVEL = {lvl: h * w * A for lvl, (h, w) in LEVELS.items()}
T = 3 * (64 * 80 + 32 * 40 + 16 * 20 + 8 * 10 + 4 * 5)  # = 20460
assert T == sum(PER_LEVEL.values()) == 20460


def _by_key(records):
    return {(r.stage, r.name): r for r in records if r.kind == 'tensor'}


@pytest.fixture(scope='module')
def train(stepped_models):
    return stepped_models['trace']['train']


@pytest.fixture(scope='module')
def test_trace(stepped_models):
    return stepped_models['trace']['test']


def shape(records, stage, name):
    return tuple(_by_key(records)[(stage, name)].shape)


def test_no_mismatch_and_no_recording_error(train, test_trace):
    for records in (train, test_trace):
        summary = records[-1].values
        assert summary['mismatches'] == 0
        assert summary['errors'] == []
        assert all(r.ok is not False for r in records)


def test_input_backbone_neck(train):
    assert shape(train, 'input', 'img') == (2, 3, 256, 320)
    assert shape(train, 'input', 'gt_bboxes[0]') == (3, 4)
    assert shape(train, 'input', 'gt_bboxes[1]') == (0, 4)
    assert shape(train, 'input', 'gt_labels[1]') == (0, )
    channels = {2: 256, 3: 512, 4: 1024, 5: 2048}
    for lvl, c in channels.items():
        assert shape(train, 'backbone', f'C{lvl}') == (2, c) + LEVELS[lvl]
    for lvl in LEVELS:
        assert shape(train, 'neck', f'P{lvl}') == (2, 256) + LEVELS[lvl]


def test_rpn_forward_and_anchors(train):
    for lvl, (h, w) in LEVELS.items():
        stage = f'rpn_head/forward/P{lvl}'
        assert shape(train, stage, 'rpn_conv (shared 3x3)') == (2, 256, h, w)
        assert shape(train, stage, 'cls_score') == (2, A * 1, h, w)
        assert shape(train, stage, 'bbox_pred') == (2, A * 4, h, w)
        stage = f'rpn_head/anchors/P{lvl}'
        assert shape(train, stage, 'base_anchors') == (A, 4)
        assert shape(train, stage, 'anchors') == (h * w * A, 4)
        assert shape(train, stage, 'valid_flags[1]') == (h * w * A, )


def test_base_anchor_sizes(train):
    sizes = [
        r for r in train
        if r.kind == 'stats' and r.stage == 'rpn_head/anchors/P3'
    ][0].values['sizes']
    # stride 8 x scale 8 = 64; ratios 0.5, 1, 2 keep the area 64^2
    base = 64
    expected = [[base / math.sqrt(r), base * math.sqrt(r)]
                for r in (0.5, 1.0, 2.0)]
    for (w, h), (ew, eh) in zip(sizes, expected):
        assert w == pytest.approx(ew, abs=0.06)
        assert h == pytest.approx(eh, abs=0.06)


def test_rpn_targets_and_sampling(train):
    for i in (0, 1):
        stage = f'rpn_head/targets/img{i}'
        assert shape(train, stage, 'labels') == (T, )
        assert shape(train, stage, 'bbox_targets') == (T, 4)
        pos = shape(train, stage, 'pos_inds')[0]
        neg = shape(train, stage, 'neg_inds')[0]
        # 256 samples: a 20460-anchor image has far more than 256
        # negatives, so the sampler fills up with them
        assert pos <= 128 and pos + neg == 256
    # no ground truth: nothing positive, everything negative
    assert shape(train, 'rpn_head/targets/img1', 'pos_inds') == (0, )
    assignment = [
        r for r in train if r.kind == 'stats' and r.name == 'assignment'
        and r.stage == 'rpn_head/targets/img1'
    ][0].values
    assert assignment == dict(positive=0, negative=T, ignored=0)
    for lvl, count in PER_LEVEL.items():
        assert shape(train, 'rpn_head/targets/batch',
                     f'labels P{lvl}') == (2, count)
        stage = f'rpn_head/loss/P{lvl}'
        assert shape(train, stage, 'cls_score (flat)') == (2 * count, 1)
        assert shape(train, stage, 'bbox_pred (flat)') == (2 * count, 4)
        assert shape(train, stage, 'loss_cls') == ()


def _proposal_counts(records, nms_pre):
    kept = {lvl: min(count, nms_pre) for lvl, count in PER_LEVEL.items()}
    for lvl, count in PER_LEVEL.items():
        stage = f'rpn_head/proposals/P{lvl}'
        assert shape(records, stage, 'scores') == (2, count)
        assert shape(records, stage, 'scores after nms_pre') == (2,
                                                                 kept[lvl])
    total = sum(kept.values())
    assert shape(records, 'rpn_head/proposals/batch',
                 'decoded proposals') == (2, total, 4)
    return [
        shape(records, 'rpn_head/proposals', f'proposal_list[{i}]')
        for i in (0, 1)
    ]


def test_proposals_match_stock_rpn(train, stepped_models):
    # nms_pre 2000 in training: P2 and P3 are cut to 2000
    proposals = _proposal_counts(train, 2000)
    stock = stepped_models['stock']['model']
    inputs = stepped_models['inputs']
    import torch
    stock.train()
    with torch.no_grad():
        feats = stock.extract_feat(inputs['img'])
        expected = stock.rpn_head.get_bboxes(
            *stock.rpn_head(feats),
            inputs['img_metas'],
            cfg=stock.train_cfg.rpn_proposal)
    assert proposals == [tuple(p.shape) for p in expected]
    assert all(k <= 1000 and five == 5 for k, five in proposals)


def test_roi_stages(train):
    k = [
        shape(train, 'rpn_head/proposals', f'proposal_list[{i}]')[0]
        for i in (0, 1)
    ]
    g = [3, 0]
    # IoU thresholds 0.5 / 0.5: every candidate is positive or negative,
    # so 512 are sampled whenever K_i + G_i >= 512
    sampled = [min(512, k[i] + g[i]) for i in (0, 1)]
    R = sum(sampled)
    for i in (0, 1):
        stage = f'roi_head/sampling/img{i}'
        assert shape(train, stage, 'assigned_gt_inds with gt added') == (
            k[i] + g[i], )
        pos = shape(train, stage, 'pos_inds')[0]
        assert pos <= 128
        assert pos + shape(train, stage, 'neg_inds')[0] == sampled[i]
    assert shape(train, 'roi_head/sampling/img1', 'pos_inds') == (0, )
    assert shape(train, 'roi_head/rois',
                 'rois (batch index, x1, y1, x2, y2)') == (R, 5)
    extractor = 'roi_head/bbox_roi_extractor'
    assert shape(train, extractor, 'target level per roi') == (R, )
    assert shape(train, extractor, 'bbox_feats (RoIAlign)') == (R, 256, 7, 7)
    per_level = [
        r for r in train if r.kind == 'stats' and r.name == 'rois per level'
    ][0].values
    assert set(per_level) == {'P2', 'P3', 'P4', 'P5'}  # P6 is not used
    assert sum(per_level.values()) == R
    head = 'roi_head/bbox_head'
    assert shape(train, head, 'flattened') == (R, 256 * 7 * 7)
    assert shape(train, head, 'shared_fcs[0]') == (R, 1024)
    assert shape(train, head, 'shared_fcs[1]') == (R, 1024)
    assert shape(train, head, 'cls_score') == (R, C + 1)
    assert shape(train, head, 'bbox_pred') == (R, 4 * C)
    assert shape(train, 'roi_head/targets', 'labels') == (R, )
    assert shape(train, 'roi_head/targets', 'bbox_weights') == (R, 4)
    losses = {r.name for r in train if r.kind == 'loss'}
    assert {'loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls', 'acc', 'loss_bbox',
            'loss'} <= losses


def test_test_path(test_trace, stepped_models):
    # test_cfg.rpn.nms_pre is 1000: P2, P3 cut to 1000, P4 (960) is not
    proposals = _proposal_counts(test_trace, 1000)
    k_max = max(k for k, _ in proposals)
    R = 2 * k_max  # the test path pads each image's proposals to the max
    assert shape(test_trace, 'roi_head/rois',
                 'rois (batch index, x1, y1, x2, y2)') == (R, 5)
    assert shape(test_trace, 'roi_head/bbox_head', 'cls_score') == (R, C + 1)
    dets = stepped_models['stock']['dets']
    for i in (0, 1):
        stage = f'roi_head/detections/img{i}'
        d = sum(len(per_class) for per_class in dets[i])
        assert d <= 100
        assert shape(test_trace, stage,
                     'det_bboxes (x1, y1, x2, y2, score)') == (d, 5)
        assert shape(test_trace, stage, 'det_labels') == (d, )


def test_producers_resolved_through_the_mro(train, test_trace):
    producers = {(r.stage, r.name): r.producer for r in train}
    assert producers[('rpn_head/proposals', 'proposal_list[0]')] == (
        'BaseDenseHead.forward_train')
    assert producers[('rpn_head/forward/P2', 'cls_score')] == (
        'RPNHead.forward_single')
    assert producers[('rpn_head/targets/img0', 'labels')] == (
        'AnchorHead._get_targets_single')
    sources = {r.producer: r.source for r in train if r.producer}
    assert sources['BaseDenseHead.forward_train'].startswith(
        'mmdet/models/dense_heads/base_dense_head.py:')
    test_producers = {r.producer for r in test_trace}
    assert 'RPNTestMixin.simple_test_rpn' in test_producers
