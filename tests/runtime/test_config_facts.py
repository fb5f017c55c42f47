"""Config values read off a model by dotted paths."""
import torch
from mmcv import ConfigDict

from mmdet_frcnn_annotated.runtime.config_facts import (MISSING, config_facts,
                                                        fact_at)


class _Head(torch.nn.Module):

    def __init__(self):
        super().__init__()
        self.layers = torch.nn.ModuleList([torch.nn.Identity()])
        self.layers[0].output_size = (7, 7)
        self.agnostic = False


class _Model(torch.nn.Module):

    def __init__(self):
        super().__init__()
        self.head = _Head()
        self.train_cfg = ConfigDict(rpn=dict(sampler=dict(num=256)))
        self.test_cfg = None


def test_paths_through_attributes_keys_and_indices():
    model = _Model()
    assert fact_at(model, 'train_cfg.rpn.sampler.num') == 256
    assert fact_at(model, 'head.layers.0.output_size.0') == 7
    assert fact_at(model, 'head.__class__.__name__') == '_Head'
    assert fact_at(model, 'head.agnostic') is False
    assert fact_at(model, 'test_cfg.rcnn.score_thr') is MISSING
    assert fact_at(model, 'head.layers.3') is MISSING
    assert fact_at({'cfg': {'nms_pre': 5}}, 'cfg.nms_pre') == 5


def test_missing_values_are_left_out():
    facts = config_facts(_Model(), {
        'num': 'train_cfg.rpn.sampler.num',
        'size': 'head.layers.0.output_size',
        'thr': 'test_cfg.rcnn.score_thr'})
    assert facts == {'num': 256, 'size': [7, 7]}


def test_a_list_of_necks_reads_as_its_parts():
    """mmdet builds a config's list of necks as an nn.Sequential: ``*``
    names its parts, ``0`` reaches the first."""
    first, second = torch.nn.Identity(), torch.nn.ReLU()
    first.out_channels = 256
    model = torch.nn.Module()
    model.neck = torch.nn.Sequential(first, second)
    facts = config_facts(model, {
        'neck': 'neck.*.__class__.__name__|neck.__class__.__name__',
        'channels': 'neck.out_channels|neck.0.out_channels'})
    assert facts == {'neck': ['Identity', 'ReLU'], 'channels': 256}
    model.neck = first  # one neck: not a sequence, its own name
    facts = config_facts(model, {
        'neck': 'neck.*.__class__.__name__|neck.__class__.__name__'})
    assert facts == {'neck': 'Identity'}
