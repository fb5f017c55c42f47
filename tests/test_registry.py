import importlib

import pytest
from conftest import model_config
from mmcv.runner import HOOKS
from mmcv.utils import import_modules_from_strings
from mmdet.datasets import DATASETS
from mmdet.models import DETECTORS, HEADS, build_detector

import mmdet_frcnn_annotated


def test_types_are_registered():
    assert DETECTORS.get('AnnotatedFasterRCNN').__name__ == (
        'AnnotatedFasterRCNN')
    for name in ('AnnotatedAnchorHead', 'AnnotatedRPNHead',
                 'AnnotatedStandardRoIHead'):
        assert HEADS.get(name) is not None, name
    assert HOOKS.get('ShapeTraceHook') is not None
    assert DATASETS.get('ToyShapesDataset') is not None


def test_class_hierarchy():
    from mmdet.models.dense_heads import AnchorHead, RPNHead
    from mmdet.models.detectors import TwoStageDetector
    from mmdet.models.roi_heads import StandardRoIHead
    pkg = mmdet_frcnn_annotated
    assert issubclass(pkg.AnnotatedFasterRCNN, TwoStageDetector)
    assert issubclass(pkg.AnnotatedAnchorHead, AnchorHead)
    assert issubclass(pkg.AnnotatedRPNHead, RPNHead)
    assert issubclass(pkg.AnnotatedStandardRoIHead, StandardRoIHead)
    mro = pkg.AnnotatedRPNHead.__mro__
    # the instrumented AnchorHead layer sits under RPNHead, above AnchorHead
    assert mro.index(RPNHead) < mro.index(pkg.AnnotatedAnchorHead) < (
        mro.index(AnchorHead))


def test_importing_again_never_raises():
    import_modules_from_strings(['mmdet_frcnn_annotated'])
    for name in ('mmdet_frcnn_annotated.models.detectors.'
                 'annotated_faster_rcnn',
                 'mmdet_frcnn_annotated.models.dense_heads.'
                 'annotated_rpn_head', 'mmdet_frcnn_annotated.hooks.'
                 'shape_trace_hook', 'mmdet_frcnn_annotated'):
        importlib.reload(importlib.import_module(name))
    reloaded = importlib.import_module(
        'mmdet_frcnn_annotated.models.detectors.annotated_faster_rcnn')
    assert DETECTORS.get('AnnotatedFasterRCNN') is (
        reloaded.AnnotatedFasterRCNN)


def test_a_different_class_of_the_same_name_still_conflicts():
    from mmdet_frcnn_annotated.registry import register

    class AnnotatedRPNHead:  # not ours: another module's class
        pass

    with pytest.raises(KeyError, match='already registered'):
        register(HEADS)(AnnotatedRPNHead)


def test_misspelt_detector_type_lists_our_names():
    cfg = model_config(True)
    cfg.type = 'AnnotatedFasterRCN'
    with pytest.raises(KeyError) as info:
        build_detector(cfg)
    message = str(info.value)
    assert 'AnnotatedFasterRCN is not in the detector registry' in message
    assert 'mmdet_frcnn_annotated registers' in message
    assert ('detector: AnnotatedCascadeRCNN, AnnotatedFasterRCNN, '
            'AnnotatedMaskRCNN;') in message
    assert 'AnnotatedRPNHead' in message


def test_misspelt_head_type_lists_our_names():
    cfg = model_config(True)
    cfg.rpn_head.type = 'AnnotatedRPNHaed'
    with pytest.raises(KeyError) as info:
        build_detector(cfg)
    message = str(info.value)
    assert 'AnnotatedRPNHaed is not in the head registry' in message
    assert 'head: AnnotatedAnchorHead, AnnotatedCascadeRoIHead, ' \
        'AnnotatedRPNHead, AnnotatedStandardRoIHead' in message
