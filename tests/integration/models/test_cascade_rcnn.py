"""Cascade R-CNN: the annotated model computes what stock ``CascadeRCNN``
computes, bit for bit on CPU with every tracing feature on, and its trace
follows each stage of the cascade with the stage's own config.

The inputs are two images of 96 x 128, the first with two objects (for
the mask branch, discs inside their boxes), the second with none. The
variants: the toy model (mmdet's three stages), a cascade of two stages
with class-specific regression and its own thresholds and weights, and
Cascade Mask R-CNN."""
import copy
import os.path as osp
import re

import numpy as np
import pytest
import torch
from conftest import (_detections, _losses_and_grads, cascade_model_config,
                      demo_inputs, with_disc_masks)

from mmdet_frcnn_annotated.runtime.recorder import recording
from mmdet_frcnn_annotated.tracefile import read_trace

SIZES = [(96, 128), (96, 128)]
BOXES = [[[8, 10, 60, 70], [70, 20, 120, 80]], []]
LABELS = [[0, 2], []]


def _two_specific(model):
    """Two stages, class-specific boxes, thresholds 0.4 and 0.55, weights
    1 and 0.3."""
    head = model.roi_head
    head.num_stages = 2
    head.stage_loss_weights = [1, 0.3]
    head.bbox_head = [dict(h, reg_class_agnostic=False)
                      for h in head.bbox_head[:2]]
    model.train_cfg.rcnn = model.train_cfg.rcnn[:2]
    for stage, iou in zip(model.train_cfg.rcnn, (0.4, 0.55)):
        stage.assigner.update(pos_iou_thr=iou, neg_iou_thr=iou,
                              min_pos_iou=iou)
    return model


VARIANTS = {
    'three': (lambda model: model, False),
    'two_specific': (_two_specific, False),
    'mask': (lambda model: model, True),
}


def _model_cfg(annotated, variant, out_dir=None):
    change, mask = VARIANTS[variant]
    trace = dict(out_dir=out_dir) if annotated else None
    return change(cascade_model_config(annotated, trace, mask=mask))


def _train(model, inputs):
    """Losses and gradients of one step on a copy of ``inputs``."""
    return _losses_and_grads(model, copy.deepcopy(inputs))[:2]


def _test(model, inputs):
    return _detections(model, copy.deepcopy(inputs))


@pytest.fixture(scope='module', params=[
    'three', pytest.param('two_specific', marks=pytest.mark.slow),
    pytest.param('mask', marks=pytest.mark.slow)])
def runs(request, tmp_path_factory):
    from mmdet.models import build_detector

    import mmdet_frcnn_annotated  # noqa: F401
    variant = request.param
    out_dir = str(tmp_path_factory.mktemp(f'cascade_{variant}'))
    torch.manual_seed(0)
    stock = build_detector(_model_cfg(False, variant))
    annotated = build_detector(_model_cfg(True, variant, out_dir))
    annotated.load_state_dict(stock.state_dict())
    inputs = demo_inputs(SIZES, BOXES, LABELS)
    if VARIANTS[variant][1]:
        inputs = with_disc_masks(inputs)
    found = {'stock': _train(stock, copy.deepcopy(inputs))}
    recorder = annotated.tracer.start_train()
    with recording(recorder), annotated.tracer.capture(recorder):
        found['annotated'] = _train(annotated, copy.deepcopy(inputs))
    annotated.tracer.finish(recorder)
    results = {
        'stock': _test(stock, copy.deepcopy(inputs)),
        'annotated': _test(annotated, copy.deepcopy(inputs)),
    }
    annotated.tracer.close()
    traces = read_trace(osp.join(out_dir, 'trace_rank0.jsonl'))
    return dict(found=found, results=results, out_dir=out_dir,
                variant=variant, cfg=_model_cfg(True, variant, out_dir),
                trace={r[0].phase: r for r in traces})


def test_losses_and_gradients_equal_stock(runs):
    (stock_losses, stock_grads), (losses, grads) = (
        runs['found']['stock'], runs['found']['annotated'])
    stages = runs['cfg'].roi_head.num_stages
    assert {f's{s}.loss_cls' for s in range(stages)} <= set(stock_losses)
    assert stock_losses.keys() == losses.keys()
    for key in stock_losses:
        a, b = stock_losses[key], losses[key]
        for x, y in zip(a if isinstance(a, list) else [a],
                        b if isinstance(b, list) else [b]):
            assert torch.equal(x, y), key
    for s in range(stages):  # every stage's head was trained
        assert any(n.startswith(f'roi_head.bbox_head.{s}.')
                   for n in stock_grads)
    assert stock_grads.keys() == grads.keys()
    for name in stock_grads:
        assert torch.equal(stock_grads[name], grads[name]), name


def _per_class(result):
    return result[0] if isinstance(result, tuple) else result


def test_detections_and_masks_equal_stock(runs):
    stock, annotated = runs['results']['stock'], runs['results']['annotated']
    assert len(stock) == len(annotated) == 2
    for a, b in zip(stock, annotated):
        assert len(_per_class(a)) == 3
        for x, y in zip(_per_class(a), _per_class(b)):
            assert np.array_equal(x, y)
        if isinstance(a, tuple):
            for x, y in zip(a[1], b[1]):
                assert len(x) == len(y)
                assert all(np.array_equal(m, n) for m, n in zip(x, y))


def _stats(records, name):
    return {r.stage: r.values for r in records
            if r.kind == 'stats' and r.name == name}


def test_every_stage_follows_its_own_config(runs):
    """Per stage: its assigner's positives reach the stage's IoU, R<s> is
    what it sampled, and the next stage's candidates are those rois less
    the ground truth among the positives."""
    cfg = runs['cfg']
    train = runs['trace']['train']
    assert train[-1].values['errors'] == []
    assert [r for r in train if r.kind == 'tensor' and r.ok is False
            and not r.known] == []
    symbols = next(r.values for r in train if r.kind == 'symbols')
    assignment = _stats(train, 'assignment')
    sampling = _stats(train, 'sampling')
    stages = cfg.roi_head.num_stages
    for s, stage_cfg in enumerate(cfg.train_cfg.rcnn):
        rows = 0
        for i in range(2):
            counts = sampling[f'roi_head/sampling/s{s}/img{i}']
            rows += counts['sampled positives'] + counts['sampled negatives']
            assigned = assignment[f'roi_head/sampling/s{s}/img{i}']
            if assigned['positive']:
                assert assigned['positive max-IoU min'] >= \
                    stage_cfg.assigner.pos_iou_thr - 1e-4
            if s + 1 < stages:
                left = (counts['sampled positives'] +
                        counts['sampled negatives'] -
                        counts['ground truth among positives'])
                refined = next(
                    r for r in train if r.kind == 'tensor'
                    and r.stage == f'roi_head/refine/s{s}/img{i}')
                assert refined.shape == [left, 4] and refined.ok
                assert symbols[f'K{s + 1}_{i}'] == left
        assert symbols[f'R{s}'] == rows
        rois = next(r for r in train if r.kind == 'tensor'
                    and r.stage == f'roi_head/rois/s{s}')
        assert rois.shape == [rows, 5]
    assert f'roi_head/refine/s{stages - 1}/img0' not in sampling
    names = {r.name for r in train if r.kind == 'tensor'
             and r.stage.startswith('roi_head/loss/')}
    assert {f's{s}.loss_bbox' for s in range(stages)} <= names


def test_test_path_keeps_every_proposal_at_every_stage(runs):
    test = runs['trace']['test']
    assert test[-1].values['errors'] == []
    assert [r for r in test if r.kind == 'tensor' and r.ok is False
            and not r.known] == []
    symbols = next(r.values for r in test if r.kind == 'symbols')
    proposals = symbols['K_0'] + symbols['K_1']
    for s in range(runs['cfg'].roi_head.num_stages):
        rois = next(r for r in test if r.kind == 'tensor'
                    and r.stage == f'roi_head/rois/s{s}')
        assert rois.shape == [proposals, 5]
    kept = [sum(len(boxes) for boxes in _per_class(result))
            for result in runs['results']['annotated']]
    assert [symbols['D_0'], symbols['D_1']] == kept


def _listing(runs, phase, language='en'):
    with open(osp.join(runs['out_dir'], f'{phase}_iter0.listing.'
                       f'{language}.md'), encoding='utf-8') as f:
        return f.read()


def test_listing_agrees_and_states_the_stages_config(runs):
    cfg = runs['cfg']
    for phase in ('train', 'test'):
        assert ', 0 disagreeing,' in _listing(runs, phase), phase
    train = _listing(runs, 'train')
    for name in ('CascadeRoIHead.forward_train',
                 'CascadeRoIHead._bbox_forward_train',
                 'BBoxHead.refine_bboxes', 'BBoxHead.regress_by_class'):
        assert f'`{name}`' in train, name
    ious = [stage.assigner.pos_iou_thr for stage in cfg.train_cfg.rcnn]
    said = ' / '.join(str(iou) for iou in ious)
    weights = cfg.roi_head.stage_loss_weights
    for language in ('en', 'zh'):
        text = _listing(runs, 'train', language)
        assert said in text  # CascadeRoIHead.forward_train's thresholds
        assert ' / '.join(str(w) for w in weights) in text
        assert ' (s1)' in text  # a per-stage fact of a shared function
    for name in ('train_iter0.md', 'train_iter0.zh.md'):  # stage notes
        with open(osp.join(runs['out_dir'], name), encoding='utf-8') as f:
            report = f.read()
        assert said in report and ' / '.join(
            str(w) for w in weights) in report
        # every value the notes quote was found in the config
        assert re.findall(r'\{[a-z_]+\}', report) == []
    test = _listing(runs, 'test')
    assert '`CascadeRoIHead.simple_test`' in test
    assert f'divided by {cfg.roi_head.num_stages}' in test


def test_pictures_show_each_stage_and_one_roi_refined(runs):
    from mmdet_frcnn_annotated.tracefile import pictures_of
    train, test = runs['trace']['train'], runs['trace']['test']
    sampling = _stats(train, 'sampling')
    positives = [r.values for r in train if r.kind == 'boxes'
                 and r.name == 'positive rois' and r.values['image'] == 0]
    stages = runs['cfg'].roi_head.num_stages
    assert [v['stage'] for v in positives] == list(range(stages))
    for v, stage_cfg in zip(positives, runs['cfg'].train_cfg.rcnn):
        assert v['pos_iou_thr'] == stage_cfg.assigner.pos_iou_thr
        assert v['total'] == sampling[
            f'roi_head/sampling/s{v["stage"]}/img0']['sampled positives']
    refined = next(r.values for r in test if r.kind == 'boxes'
                   and r.name == 'one roi refined')
    assert len(refined['boxes']) == stages + 1
    assert len(refined['stage_scores']) == stages
    assert 'cascade_positives' in [p['kind'] for p in pictures_of(train)]
    assert 'cascade_refinement' in [p['kind'] for p in pictures_of(test)]
    for phase, kind in (('train', 'cascade_positives'),
                        ('test', 'cascade_refinement')):
        assert osp.isfile(osp.join(runs['out_dir'],
                                   f'{phase}_iter0.{kind}.png'))
