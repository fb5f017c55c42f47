"""Turning stock configs into annotated ones: the Faster R-CNN, Mask R-CNN
and Cascade R-CNN families are converted, anything else is refused by
name."""
import copy

import pytest
from conftest import (CASCADE_MASK_STOCK_CONFIG, CASCADE_STOCK_CONFIG,
                      MASK_STOCK_CONFIG, STOCK_CONFIG)
from mmcv import Config

from mmdet_frcnn_annotated.cli.configs import annotated_model


def _model(path):
    return copy.deepcopy(Config.fromfile(path).model)


@pytest.mark.parametrize('path,detector,roi_head', [
    (STOCK_CONFIG, 'AnnotatedFasterRCNN', 'AnnotatedStandardRoIHead'),
    (MASK_STOCK_CONFIG, 'AnnotatedMaskRCNN', 'AnnotatedStandardRoIHead'),
    (CASCADE_STOCK_CONFIG, 'AnnotatedCascadeRCNN',
     'AnnotatedCascadeRoIHead'),
    (CASCADE_MASK_STOCK_CONFIG, 'AnnotatedCascadeRCNN',
     'AnnotatedCascadeRoIHead'),
])
def test_stock_families_become_annotated(path, detector, roi_head):
    model = annotated_model(_model(path))
    assert model.type == detector
    assert model.rpn_head.type == 'AnnotatedRPNHead'
    assert model.roi_head.type == roi_head


@pytest.mark.parametrize('path', [MASK_STOCK_CONFIG,
                                  CASCADE_MASK_STOCK_CONFIG])
def test_an_unrecorded_mask_head_is_named(path):
    model = _model(path)
    model.roi_head.mask_head.type = 'HTCMaskHead'
    with pytest.raises(ValueError, match="'HTCMaskHead'.*FCNMaskHead"):
        annotated_model(model)


def test_one_unrecorded_mask_head_of_a_cascade_is_named():
    model = _model(CASCADE_MASK_STOCK_CONFIG)
    head = model.roi_head.mask_head
    model.roi_head.mask_head = [head, head, dict(head, type='HTCMaskHead')]
    with pytest.raises(ValueError, match="'HTCMaskHead'.*FCNMaskHead"):
        annotated_model(model)


def test_another_roi_head_is_named_with_the_supported_ones():
    model = _model(CASCADE_STOCK_CONFIG)
    model.type = 'HybridTaskCascade'
    with pytest.raises(ValueError,
                       match="model.type is 'HybridTaskCascade'.*"
                       "'CascadeRCNN'.*'MaskRCNN'"):
        annotated_model(model)
    model = _model(CASCADE_STOCK_CONFIG)
    model.roi_head.type = 'HybridTaskCascadeRoIHead'
    with pytest.raises(ValueError,
                       match="model.roi_head.type is "
                       "'HybridTaskCascadeRoIHead'.*'CascadeRoIHead'.*"
                       "'StandardRoIHead'"):
        annotated_model(model)


def test_cascade_base_is_faster_rcnn_with_three_refining_heads():
    """What mmdetection 2.11's cascade_rcnn_r50_fpn.py changes from
    faster_rcnn_r50_fpn.py: the RPN's box loss, its training proposals and
    border, and the RoI head (three box heads of rising IoU)."""
    a = Config.fromfile(STOCK_CONFIG).model.to_dict()
    b = Config.fromfile(CASCADE_STOCK_CONFIG).model.to_dict()
    assert b.pop('type') == 'CascadeRCNN' and a.pop('type') == 'FasterRCNN'
    assert b['rpn_head'].pop('loss_bbox') == dict(
        type='SmoothL1Loss', beta=1.0 / 9.0, loss_weight=1.0)
    a['rpn_head'].pop('loss_bbox')
    roi = b.pop('roi_head')
    faster_roi = a.pop('roi_head')
    assert roi['type'] == 'CascadeRoIHead' and roi['num_stages'] == 3
    assert roi['stage_loss_weights'] == [1, 0.5, 0.25]
    assert roi['bbox_roi_extractor'] == faster_roi['bbox_roi_extractor']
    assert [h['bbox_coder']['target_stds'] for h in roi['bbox_head']] == [
        [0.1, 0.1, 0.2, 0.2], [0.05, 0.05, 0.1, 0.1],
        [0.033, 0.033, 0.067, 0.067]]
    assert all(h['reg_class_agnostic'] and h['loss_bbox'] == dict(
        type='SmoothL1Loss', beta=1.0, loss_weight=1.0)
        for h in roi['bbox_head'])
    rcnn = b['train_cfg'].pop('rcnn')
    assert [(s['assigner']['pos_iou_thr'], s['assigner']['neg_iou_thr'],
             s['assigner']['min_pos_iou'], s['assigner']['match_low_quality'])
            for s in rcnn] == [(0.5, 0.5, 0.5, False), (0.6, 0.6, 0.6, False),
                               (0.7, 0.7, 0.7, False)]
    assert all(s['sampler'] == a['train_cfg']['rcnn']['sampler']
               for s in rcnn)
    a['train_cfg'].pop('rcnn')
    assert b['train_cfg']['rpn'].pop('allowed_border') == 0
    a['train_cfg']['rpn'].pop('allowed_border')
    assert b['train_cfg']['rpn_proposal'].pop('max_per_img') == 2000
    a['train_cfg']['rpn_proposal'].pop('max_per_img')
    assert a == b


def test_mask_base_is_faster_rcnn_plus_the_mask_branch():
    """What mmdetection 2.11's mask_rcnn_r50_fpn.py changes from
    faster_rcnn_r50_fpn.py, and nothing else."""
    faster, mask = Config.fromfile(STOCK_CONFIG), Config.fromfile(
        MASK_STOCK_CONFIG)
    a, b = faster.model.to_dict(), mask.model.to_dict()
    assert b['type'] == 'MaskRCNN'
    extractor = b['roi_head'].pop('mask_roi_extractor')
    head = b['roi_head'].pop('mask_head')
    assert extractor == dict(
        type='SingleRoIExtractor',
        roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=0),
        out_channels=256, featmap_strides=[4, 8, 16, 32])
    assert head == dict(
        type='FCNMaskHead', num_convs=4, in_channels=256,
        conv_out_channels=256, num_classes=80,
        loss_mask=dict(type='CrossEntropyLoss', use_mask=True,
                       loss_weight=1.0))
    assert b['train_cfg']['rcnn'].pop('mask_size') == 28
    assert b['test_cfg']['rcnn'].pop('mask_thr_binary') == 0.5
    rcnn_assigner = b['train_cfg']['rcnn']['assigner']
    assert rcnn_assigner['match_low_quality'] is True
    rcnn_assigner['match_low_quality'] = False
    b['type'] = a['type']
    assert a == b
    pipeline = mask.data.train.pipeline
    assert dict(type='LoadAnnotations', with_bbox=True,
                with_mask=True) in pipeline
    assert pipeline[-1]['keys'] == ['img', 'gt_bboxes', 'gt_labels',
                                    'gt_masks']
    assert mask.evaluation.metric == ['bbox', 'segm']
