"""Config values: the stock base against mmdetection 2.11.0's resolved
config, and what the annotated and toy configs change."""
import json

import pytest
from conftest import ANNOTATED_CONFIG, REFERENCE, STOCK_CONFIG, TOY_CONFIG
from mmcv import Config


def _plain(cfg):
    """Tuples as lists, as JSON has them."""
    return json.loads(json.dumps(cfg._cfg_dict.to_dict()))


@pytest.fixture(scope='module')
def reference():
    with open(REFERENCE) as f:
        return json.load(f)


def _diff(a, b, path=''):
    """Paths where two nested dicts/lists differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                out.append(f'{path}.{key}')
            else:
                out += _diff(a[key], b[key], f'{path}.{key}')
        return out
    return [] if a == b else [path]


def test_stock_base_equals_mmdetection_2_11(reference):
    assert _diff(_plain(Config.fromfile(STOCK_CONFIG)), reference) == []


def test_annotated_config_changes_only_the_plugin_keys(reference):
    annotated = _plain(Config.fromfile(ANNOTATED_CONFIG))
    assert sorted(_diff(annotated, reference)) == sorted([
        '.custom_hooks', '.custom_imports', '.model.roi_head.type',
        '.model.rpn_head.type', '.model.trace', '.model.type'
    ])
    assert annotated['model']['type'] == 'AnnotatedFasterRCNN'
    assert annotated['model']['rpn_head']['type'] == 'AnnotatedRPNHead'
    assert annotated['model']['roi_head']['type'] == (
        'AnnotatedStandardRoIHead')
    assert annotated['custom_hooks'] == reference['custom_hooks'] + [{
        'type': 'ShapeTraceHook'
    }]
    assert annotated['custom_imports'] == {
        'imports': ['mmdet_frcnn_annotated'],
        'allow_failed_imports': False
    }


def test_toy_config_is_cpu_sized():
    cfg = Config.fromfile(TOY_CONFIG)
    assert cfg.model.type == 'AnnotatedFasterRCNN'
    assert cfg.model.pretrained is None
    assert cfg.data.samples_per_gpu == 2
    assert cfg.data.workers_per_gpu == 0
    assert cfg.runner == dict(type='IterBasedRunner', max_iters=4)
    assert cfg.evaluation.metric == 'bbox'
    assert cfg.model.roi_head.bbox_head.num_classes == 3
    assert cfg.data.train.type == 'ToyShapesDataset'
