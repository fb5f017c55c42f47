"""Members of the Faster R-CNN family beyond R50-FPN, traced: the losses equal
stock FasterRCNN's with tracing on, no recording error, no unexplained
mismatch, and the shapes that differ from the default worked out here.

The model dicts change the toy model the way mmdetection v2.11.0's
configs/faster_rcnn/faster_rcnn_r50_caffe_dc5_1x_coco.py (dilated C5, no
neck, one level at stride 16) and faster_rcnn_r50_fpn_ohem_1x_coco.py (the
RoI head's sampler is OHEMSampler) change R50-FPN, and Libra R-CNN's and
GRoIE's changes of it; an untrained model with
80 classes keeps no detection, mmdet 2.11's empty multiclass_nms case.
"""
import copy
import math

import pytest
import torch
from conftest import (CAFFE, _losses_and_grads, c4_model, demo_inputs,
                      model_config)

from mmdet_frcnn_annotated.runtime.recorder import recording
from mmdet_frcnn_annotated.tracefile import read_trace

SIZES = [(96, 128), (64, 128)]  # padded to 96 x 128; image 1 smaller
BOXES = [[[10, 12, 60, 70], [70, 30, 120, 90]], []]
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


def _iou_loss(loss_type):
    def change(model):
        model.roi_head.bbox_head.update(
            reg_decoded_bbox=True,
            loss_bbox=dict(type=loss_type, loss_weight=10.0))
        return model
    return change


def _softmax_rpn(model):
    model.rpn_head.loss_cls = dict(
        type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)
    return model


def _anchors_3x3(model):
    model.rpn_head.anchor_generator.update(scales=[4, 8, 16],
                                           ratios=[0.5, 1.0, 2.0])
    return model


def _soft_nms(model):
    model.test_cfg.rcnn.nms = dict(type='soft_nms', iou_threshold=0.5)
    return model


def _ignore(model):
    model.train_cfg.rpn.assigner.ignore_iof_thr = 0.5
    model.train_cfg.rcnn.assigner.ignore_iof_thr = 0.5
    return model


def _libra(model):
    """As v2.11.0's libra_faster_rcnn_r50_fpn_1x_coco.py changes R50-FPN: a
    list of necks (FPN then BFP), balanced samplers and loss, and an RPN
    sampler whose negatives are capped at 5 per positive."""
    model.neck = [dict(model.neck),
                  dict(type='BFP', in_channels=256, num_levels=5,
                       refine_level=2, refine_type='non_local')]
    model.roi_head.bbox_head.loss_bbox = dict(
        type='BalancedL1Loss', alpha=0.5, gamma=1.5, beta=1.0,
        loss_weight=1.0)
    model.train_cfg.rpn.sampler.neg_pos_ub = 5
    model.train_cfg.rpn.allowed_border = -1
    model.train_cfg.rcnn.sampler = dict(
        type='CombinedSampler', num=512, pos_fraction=0.25,
        add_gt_as_proposals=True,
        pos_sampler=dict(type='InstanceBalancedPosSampler'),
        neg_sampler=dict(type='IoUBalancedNegSampler', floor_thr=-1,
                         floor_fraction=0, num_bins=3))
    return model


def _groie(model):
    """As v2.11.0's faster_rcnn_r50_fpn_groie_1x_coco.py: every RoI pooled
    on every level, a module before and after the sum."""
    model.roi_head.bbox_roi_extractor = dict(
        type='GenericRoIExtractor', aggregation='sum',
        roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=2),
        out_channels=256, featmap_strides=[4, 8, 16, 32],
        pre_cfg=dict(type='ConvModule', in_channels=256, out_channels=256,
                     kernel_size=5, padding=2, inplace=False),
        post_cfg=dict(type='GeneralizedAttention', in_channels=256,
                      spatial_range=-1, num_heads=6,
                      attention_type='0100', kv_stride=2))
    return model


def _hrnet(model):
    """As v2.11.0's faster_rcnn_hrnetv2p_w18_1x_coco.py: HRNetV2p-W18 (four
    branches at strides 4 to 32, no ``out_indices``) and the HRFPN neck."""
    def stage(modules, branches, block, channels):
        return dict(num_modules=modules, num_branches=branches, block=block,
                    num_blocks=(4, ) * branches, num_channels=channels)

    model.backbone = dict(type='HRNet', extra=dict(
        stage1=stage(1, 1, 'BOTTLENECK', (64, )),
        stage2=stage(1, 2, 'BASIC', (18, 36)),
        stage3=stage(4, 3, 'BASIC', (18, 36, 72)),
        stage4=stage(3, 4, 'BASIC', (18, 36, 72, 144))))
    model.neck = dict(type='HRFPN', in_channels=[18, 36, 72, 144],
                      out_channels=256)
    return model


# name -> (change of the toy model, classes); C4, DC5 and OHEM have tests
# of their own below
MEMBERS = {
    'r50_caffe_fpn': (lambda m: (m.backbone.update(**CAFFE), m)[1], 3),
    'r101_fpn': (lambda m: (m.backbone.update(depth=101), m)[1], 3),
    'x101_32x4d_fpn': (lambda m: (m.backbone.update(
        type='ResNeXt', depth=101, groups=32, base_width=4), m)[1], 3),
    'iou_loss': (_iou_loss('IoULoss'), 3),
    'giou_loss': (_iou_loss('GIoULoss'), 3),
    'bounded_iou_loss': (_iou_loss('BoundedIoULoss'), 3),
    'soft_nms': (_soft_nms, 3),
    'person_only': (lambda m: m, 1),
    'softmax_rpn': (_softmax_rpn, 3),
    'anchors_3x3': (_anchors_3x3, 3),
    'gt_bboxes_ignore': (_ignore, 3),
    'libra': (_libra, 3),
    'groie': (_groie, 3),
}


def _build(variant, annotated, out_dir=None, num_classes=None):
    from mmdet.models import build_detector

    import mmdet_frcnn_annotated  # noqa: F401
    change, classes = MEMBERS.get(variant, (lambda m: m, 3))
    model = model_config(annotated, num_classes=num_classes or classes,
                         trace=dict(out_dir=out_dir) if out_dir else None)
    model = {'c4': c4_model, 'dc5': _dc5, 'ohem': _ohem,
             'hrnet': _hrnet}.get(variant, change)(
        copy.deepcopy(model))
    torch.manual_seed(0)
    return build_detector(model)


def _detect(model, inputs, rescale):
    model.eval()
    with torch.no_grad():
        return model(img=[inputs['img']], img_metas=[inputs['img_metas']],
                     return_loss=False, rescale=rescale)


def _run(variant, tmp_path, num_classes=None, inputs=None, rescale=True):
    """Stock and traced annotated model: losses, detections, trace."""
    inputs = inputs or demo_inputs(SIZES, BOXES, LABELS)
    if variant == 'gt_bboxes_ignore':  # image 0 ignores a region
        inputs['gt_bboxes_ignore'] = [
            torch.tensor([[100., 70., 150., 120.]]), torch.zeros(0, 4)
        ]
    stock = _build(variant, False, num_classes=num_classes)
    traced = _build(variant, True, str(tmp_path), num_classes=num_classes)
    traced.load_state_dict(stock.state_dict())
    stock_losses, stock_grads, _ = _losses_and_grads(stock,
                                                     copy.deepcopy(inputs))
    rec = traced.tracer.start_train()
    with recording(rec), traced.tracer.capture(rec):
        losses, grads, log_vars = _losses_and_grads(traced,
                                                    copy.deepcopy(inputs))
    rec.losses(log_vars)
    traced.tracer.finish(rec)
    stock_dets = _detect(stock, copy.deepcopy(inputs), rescale)
    dets = _detect(traced, copy.deepcopy(inputs), rescale)
    traced.tracer.close()
    trace = {
        g[0].phase: g
        for g in read_trace(str(tmp_path / 'trace_rank0.jsonl'))
    }
    return dict(stock=stock_losses, losses=losses, stock_dets=stock_dets,
                dets=dets, trace=trace, stock_grads=stock_grads, grads=grads)


def _assert_same_numerics(run):
    assert run['grads'].keys() == run['stock_grads'].keys()
    assert [name for name, grad in run['stock_grads'].items()
            if not torch.equal(grad, run['grads'][name])] == []
    for key, value in run['stock'].items():
        values = value if isinstance(value, list) else [value]
        others = run['losses'][key]
        others = others if isinstance(others, list) else [others]
        assert all(torch.equal(a, b) for a, b in zip(values, others)), key
    for per_stock, per_traced in zip(run['stock_dets'], run['dets']):
        for a, b in zip(per_stock, per_traced):
            assert a.shape == b.shape and (a == b).all()


def _assert_clean(run, tmp_path=None):
    assert set(run['trace']) == {'train', 'test'}
    for phase, records in run['trace'].items():
        summary = records[-1].values
        assert summary['errors'] == [], phase
        assert summary['mismatches'] == 0, phase
        if tmp_path is not None:  # and every line of the listing agrees
            page = (tmp_path / f'{phase}_iter0.listing.en.md').read_text()
            assert ', 0 disagreeing,' in page, phase


@pytest.mark.slow
@pytest.mark.parametrize('member', sorted(MEMBERS))
def test_member_traces_cleanly(member, tmp_path):
    run = _run(member, tmp_path)
    _assert_same_numerics(run)
    _assert_clean(run, tmp_path)
    train = run['trace']['train']
    anchors = {'anchors_3x3': 9}.get(member, 3)
    logits = 2 if member == 'softmax_rpn' else 1  # softmax: 2 per anchor
    h, w = math.ceil(96 / 4), math.ceil(128 / 4)
    cls_score = _tensor(train, 'rpn_head/forward/P2', 'cls_score')
    assert cls_score.shape == [2, anchors * logits, h, w] and cls_score.ok
    if member == 'libra':
        # image 1 has no gt: no positive, so at most 5 x max(1, 0) = 5
        # negatives of the RPN's 256
        neg = _tensor(train, 'rpn_head/targets/img1', 'neg_inds')
        assert neg.shape == [5] and neg.ok
        report = (tmp_path / 'train_iter0.md').read_text()
        assert 'neck (FPN → BFP)' in report
        assert '`FPN → BFP`: the config gives a list of necks' in report
    if member == 'groie':
        stage = 'roi_head/bbox_roi_extractor'
        assert not [r for r in train if r.stage == stage
                    and r.name == 'target level per roi']
        assert '`GenericRoIExtractor` (GRoIE): no level is chosen' in (
            tmp_path / 'train_iter0.md').read_text()


def _tensor(records, stage, name):
    (found, ) = [r for r in records if r.kind == 'tensor'
                 and r.stage == stage and r.name == name]
    return found


def _batch(name):
    """Inputs of the batch settings, each worked out below."""
    if name == 'batch_1':
        return demo_inputs([(96, 128)], BOXES[:1], LABELS[:1])
    if name == 'batch_4':
        return demo_inputs([(96, 128)] * 4, BOXES * 2, LABELS * 2)
    if name == 'tiny_32x48':
        return demo_inputs([(32, 48)] * 2, [[[2, 3, 20, 30]], []],
                           [[1], []])
    if name == 'int_scale_factor':
        # as mmdet's own unit tests pass it, and tested as they test it:
        # without rescale (stock BBoxHead.get_bboxes rescales only with a
        # 4-element scale factor)
        inputs = demo_inputs(SIZES, BOXES, LABELS)
        for meta in inputs['img_metas']:
            meta['scale_factor'] = 1
        return inputs
    inputs = demo_inputs(SIZES, BOXES, LABELS)
    for meta in inputs['img_metas']:  # image 1 padded only to 64 x 128
        meta['pad_shape'] = meta['img_shape']
    return inputs


@pytest.mark.slow
@pytest.mark.parametrize('name', ['batch_1', 'batch_4', 'tiny_32x48',
                                  'int_scale_factor', 'padded_batch'])
def test_batch_settings(name, tmp_path):
    inputs = _batch(name)
    run = _run('plain', tmp_path, inputs=copy.deepcopy(inputs),
               rescale=name != 'int_scale_factor')
    _assert_same_numerics(run)
    _assert_clean(run, tmp_path)
    symbols = run['trace']['train'][0].values
    n, _, h, w = inputs['img'].shape
    assert (symbols['N'], symbols['H'], symbols['W']) == (n, h, w)
    levels = range(2, 7)
    total = sum(math.ceil(h / 2**lv) * math.ceil(w / 2**lv) * 3
                for lv in levels)
    assert symbols['T'] == total
    if name == 'tiny_32x48':
        assert (symbols['h_6'], symbols['w_6']) == (1, 1)
    if name == 'padded_batch':
        # valid anchors of image 1: the locations inside its own padded
        # size 64 x 128 at each level, A = 3 each
        inside = sum(math.ceil(64 / 2**lv) * math.ceil(128 / 2**lv) * 3
                     for lv in levels)
        assert symbols['V_0'] == total and symbols['V_1'] == inside < total


@pytest.mark.slow
def test_dc5_dilated_c5_keeps_stride_16(tmp_path):
    run = _run('dc5', tmp_path)
    _assert_same_numerics(run)
    _assert_clean(run, tmp_path)
    train = run['trace']['train']
    h, w = math.ceil(96 / 16), math.ceil(128 / 16)
    c5 = _tensor(train, 'backbone', 'C5')
    assert c5.shape == [2, 2048, h, w] and c5.symbolic == [
        'N', '2048', 'h_4', 'w_4'
    ] and c5.ok
    # one level at stride 16, 5 scales x 3 ratios = 15 anchors a location
    cls = _tensor(train, 'rpn_head/forward/P4', 'cls_score')
    assert cls.shape == [2, 15, h, w] and cls.ok
    assert train[0].values['T'] == h * w * 15


@pytest.mark.slow
def test_c4_single_level_and_shared_head(tmp_path):
    run = _run('c4', tmp_path)
    _assert_same_numerics(run)
    _assert_clean(run, tmp_path)
    train = run['trace']['train']
    h, w = math.ceil(96 / 16), math.ceil(128 / 16)
    assert _tensor(train, 'backbone', 'C4').shape == [2, 1024, h, w]
    assert not [r for r in train if r.stage.startswith('neck')]
    # 14 x 14 RoI features through ResNet's last stage at stride 2
    feats = _tensor(train, 'roi_head/shared_head', 'bbox_feats (shared head)')
    assert feats.shape == [train[0].values['R'], 2048, 7, 7] and feats.ok


@pytest.mark.slow
def test_ohem_hard_example_forward_is_its_own_stage(tmp_path):
    run = _run('ohem', tmp_path)
    _assert_same_numerics(run)
    _assert_clean(run, tmp_path)
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
    _assert_clean(run, tmp_path)
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


@pytest.mark.slow
def test_hrnet_backbone_without_out_indices(tmp_path):
    """HRNet has no ``out_indices``: its four branch outputs are C2..C5.
    The images are 128 x 128, a multiple of 64: HRFPN pools its extra
    levels from P2 with floor, which equals ceil(H / stride) only then."""
    inputs = demo_inputs([(128, 128)] * 2, BOXES, LABELS)
    run = _run('hrnet', tmp_path, inputs=inputs)
    _assert_same_numerics(run)
    _assert_clean(run, tmp_path)
    train = run['trace']['train']
    for level, channels in zip((2, 3, 4, 5), (18, 36, 72, 144)):
        side = 128 // 2**level
        feature = _tensor(train, 'backbone', f'C{level}')
        assert feature.shape == [2, channels, side, side] and feature.ok
    assert _tensor(train, 'neck', 'P6').shape == [2, 256, 2, 2]
