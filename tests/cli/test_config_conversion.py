"""Turning stock configs into annotated ones: the Faster R-CNN and Mask
R-CNN families are converted, anything else is refused by name."""
import copy

import pytest
from conftest import MASK_STOCK_CONFIG, STOCK_CONFIG
from mmcv import Config

from mmdet_frcnn_annotated.cli.configs import annotated_model


def _model(path):
    return copy.deepcopy(Config.fromfile(path).model)


@pytest.mark.parametrize('path,detector', [
    (STOCK_CONFIG, 'AnnotatedFasterRCNN'),
    (MASK_STOCK_CONFIG, 'AnnotatedMaskRCNN'),
])
def test_stock_families_become_annotated(path, detector):
    model = annotated_model(_model(path))
    assert model.type == detector
    assert model.rpn_head.type == 'AnnotatedRPNHead'
    assert model.roi_head.type == 'AnnotatedStandardRoIHead'


def test_an_unrecorded_mask_head_is_named():
    model = _model(MASK_STOCK_CONFIG)
    model.roi_head.mask_head.type = 'HTCMaskHead'
    with pytest.raises(ValueError, match="'HTCMaskHead'.*FCNMaskHead"):
        annotated_model(model)


def test_a_cascade_roi_head_is_named_with_the_supported_ones():
    model = _model(MASK_STOCK_CONFIG)
    model.roi_head.type = 'CascadeRoIHead'
    with pytest.raises(ValueError,
                       match="model.roi_head.type is 'CascadeRoIHead'.*"
                       'StandardRoIHead'):
        annotated_model(model)


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
