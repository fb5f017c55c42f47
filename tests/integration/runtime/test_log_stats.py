"""Counts of every train step in mmdet's log_vars, worked out from stock
mmdet's own assigner and RPN on the same input; training unchanged."""
import copy
import math

import pytest
import torch
from conftest import (TRAIN_BOXES, TRAIN_LABELS, TRAIN_SIZES, build_model,
                      demo_inputs)

KEYS = ('rpn/num_pos_anchors', 'rpn/num_neg_anchors', 'rpn/num_proposals',
        'roi_head/num_fg_samples', 'roi_head/num_bg_samples')


def _train_step(model, inputs):
    model.train()
    model.zero_grad()
    torch.manual_seed(1)  # the samplers draw from torch's generator
    return model.train_step(copy.deepcopy(inputs), None)


@pytest.fixture(scope='module')
def steps(tmp_path_factory):
    inputs = demo_inputs(TRAIN_SIZES, TRAIN_BOXES, TRAIN_LABELS)
    stock = build_model(False)
    state = stock.state_dict()
    counted = build_model(True, trace=dict(phases=[]))
    quiet = build_model(True, trace=dict(phases=[], log_stats=False))
    for model in (counted, quiet):
        model.load_state_dict(state)
    return dict(
        inputs=inputs,
        stock=stock,
        outputs={
            name: _train_step(model, inputs)
            for name, model in (('stock', stock), ('counted', counted),
                                ('quiet', quiet))
        })


def test_rpn_counts_follow_the_sampler_promises(steps):
    from mmdet.core import build_assigner
    stock = steps['stock']
    h, w = TRAIN_SIZES[0]
    sizes = [(math.ceil(h / 2**lv), math.ceil(w / 2**lv))
             for lv in range(2, 7)]
    anchors = torch.cat(
        stock.rpn_head.anchor_generator.grid_anchors(sizes, device='cpu'))
    assigner = build_assigner(stock.train_cfg.rpn.assigner)
    pos, neg = [], []
    for gt in steps['inputs']['gt_bboxes']:
        gt_inds = assigner.assign(anchors, gt).gt_inds
        foreground = int((gt_inds > 0).sum())
        background = int((gt_inds == 0).sum())
        sampled_pos = min(128, foreground)  # 256 x 0.5
        pos.append(sampled_pos)
        neg.append(min(256 - sampled_pos, background))
    log_vars = steps['outputs']['counted']['log_vars']
    assert log_vars['rpn/num_pos_anchors'] == sum(pos) / 2
    assert log_vars['rpn/num_neg_anchors'] == sum(neg) / 2
    assert pos[1] == 0 and neg[1] == 256  # the image without ground truth


def test_roi_and_proposal_counts(steps):
    stock, inputs = steps['stock'], steps['inputs']
    with torch.no_grad():
        x = stock.extract_feat(inputs['img'])
        outs = stock.rpn_head(x)
        proposals = stock.rpn_head.get_bboxes(
            *outs, inputs['img_metas'], cfg=stock.train_cfg.rpn_proposal)
    kept = [len(p) for p in proposals]
    log_vars = steps['outputs']['counted']['log_vars']
    assert log_vars['rpn/num_proposals'] == sum(kept) / 2
    # proposals plus ground truth, sampled to at most 512 per image
    gts = [len(b) for b in inputs['gt_bboxes']]
    sampled = [min(512, k + g) for k, g in zip(kept, gts)]
    assert (log_vars['roi_head/num_fg_samples'] +
            log_vars['roi_head/num_bg_samples']) == sum(sampled) / 2
    # the gt boxes of image 0 are positives; image 1 has none
    assert log_vars['roi_head/num_fg_samples'] >= gts[0] / 2


def test_counts_change_nothing_else(steps):
    outputs = steps['outputs']
    stock, counted = outputs['stock'], outputs['counted']
    assert torch.equal(stock['loss'], counted['loss'])
    assert set(counted['log_vars']) == set(stock['log_vars']) | set(KEYS)
    for key, value in stock['log_vars'].items():
        assert counted['log_vars'][key] == value
    assert outputs['quiet']['log_vars'] == stock['log_vars']
