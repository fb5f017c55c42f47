"""Members of the Mask R-CNN and Cascade R-CNN families beyond R50-FPN,
traced: losses, gradients and results equal stock's with tracing on, no
recording error, no unexplained mismatch, no listing disagreement.

Each member changes the toy model of its family the way an mmdetection
v2.11.0 config changes R50-FPN: ``*_r50_caffe_fpn_*`` (caffe-style ResNet
with frozen BN), ``*_r101_fpn_*`` (depth 101), ``*_x101_32x4d_fpn_*``
(ResNeXt-101 32x4d) in configs/mask_rcnn/ and configs/cascade_rcnn/, and
mask_rcnn_r50_fpn_poly_1x_coco.py, whose ground-truth masks are polygons
(the mask targets are rasterised from them). The schedule and multi-scale
variants change the data and the optimiser, not the model; C4 and R50-FPN
have their tests in test_mask_rcnn.py and test_cascade_rcnn.py.
"""
import copy
import math
import os.path as osp

import numpy as np
import pytest
import torch
from conftest import (CAFFE, _detections, _losses_and_grads,
                      cascade_model_config, demo_inputs, mask_model_config,
                      with_disc_masks)

from mmdet_frcnn_annotated.runtime.recorder import recording
from mmdet_frcnn_annotated.tracefile import read_trace

pytestmark = pytest.mark.slow

SIZES = [(96, 128), (64, 128)]  # padded to 96 x 128
BOXES = [[[8, 10, 60, 70], [70, 20, 120, 80]], []]
LABELS = [[0, 2], []]

BACKBONES = {
    'r50_caffe_fpn': dict(CAFFE),
    'r101_fpn': dict(depth=101),
    'x101_32x4d_fpn': dict(type='ResNeXt', depth=101, groups=32,
                           base_width=4),
}


def _config(family, annotated, trace=None):
    if family == 'mask':
        return mask_model_config(annotated, trace)
    return cascade_model_config(annotated, trace,
                                mask=family == 'cascade_mask')


def _polygons(inputs):
    """The discs of ``with_disc_masks`` as 32-gons (``PolygonMasks``)."""
    from mmdet.core import PolygonMasks
    pad_h, pad_w = inputs['img'].shape[-2:]
    masks = []
    for boxes in inputs['gt_bboxes']:
        polygons = []
        for x1, y1, x2, y2 in boxes.tolist():
            cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
            r = min(x2 - x1, y2 - y1) / 2
            angles = np.arange(32) * 2 * math.pi / 32
            ring = np.stack([cx + r * np.cos(angles),
                             cy + r * np.sin(angles)], 1).reshape(-1)
            polygons.append([ring])
        masks.append(PolygonMasks(polygons, pad_h, pad_w))
    return dict(inputs, gt_masks=masks)


# (family, member); Cascade Mask R-CNN R101 differs from its R50 as Cascade
# R-CNN R101 does, and is left out for time
MEMBERS = [(family, backbone)
           for family in ('mask', 'cascade', 'cascade_mask')
           for backbone in BACKBONES
           if (family, backbone) != ('cascade_mask', 'r101_fpn')]
MEMBERS.append(('mask', 'poly'))


def _build(family, backbone, annotated, out_dir=None):
    from mmdet.models import build_detector

    import mmdet_frcnn_annotated  # noqa: F401
    model = _config(family, annotated,
                    dict(out_dir=out_dir) if out_dir else None)
    model.backbone.update(BACKBONES.get(backbone, {}))
    torch.manual_seed(0)
    return build_detector(copy.deepcopy(model))


def _train(model, inputs):
    """Losses and gradients of one step on a copy of ``inputs``."""
    return _losses_and_grads(model, copy.deepcopy(inputs))[:2]


def _test(model, inputs):
    return _detections(model, copy.deepcopy(inputs))


def _flat(value):
    if isinstance(value, (list, tuple)):
        return [x for item in value for x in _flat(item)]
    return [np.asarray(value.detach() if torch.is_tensor(value) else value)]


@pytest.mark.parametrize('family,backbone', MEMBERS)
def test_member_traces_cleanly(family, backbone, tmp_path):
    inputs = demo_inputs(SIZES, BOXES, LABELS)
    if backbone == 'poly':
        inputs = _polygons(inputs)
    elif family != 'cascade':
        inputs = with_disc_masks(inputs)
    stock = _build(family, backbone, False)
    traced = _build(family, backbone, True, str(tmp_path))
    traced.load_state_dict(stock.state_dict())
    stock_losses, stock_grads = _train(stock, inputs)
    rec = traced.tracer.start_train()
    with recording(rec), traced.tracer.capture(rec):
        losses, grads = _train(traced, inputs)
    traced.tracer.finish(rec)
    stock_results, results = _test(stock, inputs), _test(traced, inputs)
    traced.tracer.close()

    assert stock_losses.keys() == losses.keys()
    for key in stock_losses:
        assert all(torch.equal(a, b) for a, b in zip(
            _flat_tensors(stock_losses[key]), _flat_tensors(losses[key]))), key
    assert stock_grads.keys() == grads.keys()
    assert [n for n in stock_grads
            if not torch.equal(stock_grads[n], grads[n])] == []
    a, b = _flat(stock_results), _flat(results)
    assert len(a) == len(b) and all(
        x.shape == y.shape and np.array_equal(x, y) for x, y in zip(a, b))
    if family != 'cascade':
        assert 'loss_mask' in losses or 's0.loss_mask' in losses

    for records in read_trace(str(tmp_path / 'trace_rank0.jsonl')):
        phase = records[0].phase
        assert records[-1].values['errors'] == [], phase
        assert [(r.stage, r.name) for r in records if r.kind == 'tensor'
                and r.ok is False and not r.known] == [], phase
        with open(osp.join(tmp_path, f'{phase}_iter0.listing.en.md'),
                  encoding='utf-8') as f:
            assert ', 0 disagreeing,' in f.read(), phase


def _flat_tensors(value):
    return value if isinstance(value, list) else [value]
