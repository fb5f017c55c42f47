"""Members of the Faster R-CNN family beyond R50-FPN, traced: the losses equal
stock FasterRCNN's with tracing on, no recording error, no unexplained
mismatch, and the shapes that differ from the default worked out here.

The model dicts change the toy model the way mmdetection v2.11.0's
configs/faster_rcnn/faster_rcnn_r50_caffe_dc5_1x_coco.py (dilated C5, no
neck, one level at stride 16) and faster_rcnn_r50_fpn_ohem_1x_coco.py (the
RoI head's sampler is OHEMSampler) change R50-FPN; an untrained model with
80 classes keeps no detection, mmdet 2.11's empty multiclass_nms case.
"""
import copy
import math

import pytest
import torch

from conftest import _detections, _losses_and_grads, demo_inputs, model_config
from mmdet_frcnn_annotated.tracing import read_jsonl, recording

SIZES = [(128, 160), (96, 160)]  # padded to 128 x 160; image 1 smaller
BOXES = [[[10, 12, 60, 70], [80, 30, 150, 90]], []]
LABELS = [[0, 1], []]


def _dc5(model):
    model.backbone.update(
        strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2), out_indices=(3, ))
    model.neck = None
    model.rpn_head.update(in_channels=2048, feat_channels=2048)
    model.rpn_head.anchor_generator.update(
        scales=[2, 4, 8, 16, 32], ratios=[0.5, 1.0, 2.0], strides=[16])
    model.roi_head.bbox_roi_extractor.update(
        out_channels=2048, featmap_strides=[16])
    model.roi_head.bbox_head.in_channels = 2048
    return model


def _ohem(model):
    model.train_cfg.rcnn.sampler = dict(
        type='OHEMSampler', num=512, pos_fraction=0.25, neg_pos_ub=-1,
        add_gt_as_proposals=True)
    return model


def _build(variant, annotated, out_dir=None, num_classes=3):
    from mmdet.models import build_detector
    import mmdet_frcnn_annotated  # noqa: F401
    model = model_config(annotated, num_classes=num_classes,
                         trace=dict(out_dir=out_dir) if out_dir else None)
    model = {'dc5': _dc5, 'ohem': _ohem, 'plain': lambda m: m}[variant](
        copy.deepcopy(model))
    torch.manual_seed(0)
    return build_detector(model)


def _run(variant, tmp_path, num_classes=3):
    """Stock and traced annotated model: losses, detections, trace."""
    inputs = demo_inputs(SIZES, BOXES, LABELS)
    stock = _build(variant, False, num_classes=num_classes)
    traced = _build(variant, True, str(tmp_path), num_classes=num_classes)
    traced.load_state_dict(stock.state_dict())
    stock_losses, _, _ = _losses_and_grads(stock, copy.deepcopy(inputs))
    rec = traced.tracer.start_train()
    with recording(rec), traced.tracer.capture(rec):
        losses, _, log_vars = _losses_and_grads(traced, copy.deepcopy(inputs))
    rec.losses(log_vars)
    traced.tracer.finish(rec)
    stock_dets = _detections(stock, copy.deepcopy(inputs))
    dets = _detections(traced, copy.deepcopy(inputs))
    traced.tracer.close()
    trace = {
        g[0].phase: g
        for g in read_jsonl(str(tmp_path / 'trace_rank0.jsonl'))
    }
    return dict(stock=stock_losses, losses=losses, stock_dets=stock_dets,
                dets=dets, trace=trace)


def _assert_same_numerics(run):
    for key, value in run['stock'].items():
        values = value if isinstance(value, list) else [value]
        others = run['losses'][key]
        others = others if isinstance(others, list) else [others]
        assert all(torch.equal(a, b) for a, b in zip(values, others)), key
    for per_stock, per_traced in zip(run['stock_dets'], run['dets']):
        for a, b in zip(per_stock, per_traced):
            assert a.shape == b.shape and (a == b).all()


def _assert_clean(run):
    for phase, records in run['trace'].items():
        summary = records[-1].values
        assert summary['errors'] == [], phase
        assert summary['mismatches'] == 0, phase


def _tensor(records, stage, name):
    (found, ) = [r for r in records if r.kind == 'tensor'
                 and r.stage == stage and r.name == name]
    return found


@pytest.mark.slow
def test_dc5_dilated_c5_keeps_stride_16(tmp_path):
    run = _run('dc5', tmp_path)
    _assert_same_numerics(run)
    _assert_clean(run)
    train = run['trace']['train']
    h, w = math.ceil(128 / 16), math.ceil(160 / 16)
    c5 = _tensor(train, 'backbone', 'C5')
    assert c5.shape == [2, 2048, h, w] and c5.symbolic == [
        'N', '2048', 'h_4', 'w_4'
    ] and c5.ok
    # one level at stride 16, 5 scales x 3 ratios = 15 anchors a location
    cls = _tensor(train, 'rpn_head/forward/P4', 'cls_score')
    assert cls.shape == [2, 15, h, w] and cls.ok
    assert train[0].values['T'] == h * w * 15


@pytest.mark.slow
def test_ohem_hard_example_forward_is_its_own_stage(tmp_path):
    run = _run('ohem', tmp_path)
    _assert_same_numerics(run)
    _assert_clean(run)
    train = run['trace']['train']
    symbols = train[0].values
    forwards = sorted(k for k in symbols if k.startswith('Oh_'))
    # image 1 has no ground truth: its 1000 proposals are all negative
    # candidates, more than the 512 wanted, so OHEM scores all of them;
    # image 0 has more negative candidates than 512 - Pr_0 as well
    assert forwards == ['Oh_0', 'Oh_1']
    assert symbols['Oh_0'] == symbols['Br_0']
    assert symbols['Oh_1'] == symbols['Br_1'] == 1000
    rois = _tensor(train, 'roi_head/hard_examples/1/rois',
                   'rois (batch index, x1, y1, x2, y2)')
    assert rois.shape == [1000, 5] and rois.ok
    # the sampled rois of the batch still make R
    assert symbols['R'] == sum(symbols[f'Pr_{i}'] + symbols[f'Qr_{i}']
                               for i in range(2))


def test_no_detection_kept_is_a_known_behaviour(tmp_path):
    # 80 classes, untrained: every score is about 1/81 < score_thr 0.05
    run = _run('plain', tmp_path, num_classes=80)
    _assert_same_numerics(run)
    _assert_clean(run)
    test = run['trace']['test']
    assert test[-1].values['known'] == ['empty_multiclass_nms']
    boxes = _tensor(test, 'roi_head/detections/img0',
                    'det_bboxes (x1, y1, x2, y2, score)')
    assert boxes.shape == [0, 4] and boxes.expected == [0, 5]
    assert boxes.ok is False and boxes.known == 'empty_multiclass_nms'
    report = (tmp_path / 'test_iter0.md').read_text()
    assert '| ⓘ known mmdet 2.11 behaviour, see [below]' in report
    assert 'mmdet/core/post_processing/bbox_nms.py:75' in report
    listing = (tmp_path / 'test_iter0.listing.en.md').read_text()
    assert ', 0 disagreeing, 1 known mmdet 2.11 behaviour(s)' in listing
    assert 'det_bbox: (0, 4) ≈ (D_0, 5)' in listing
