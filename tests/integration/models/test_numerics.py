"""The annotated model computes exactly what stock FasterRCNN computes,
with tracing off and with tracing on, line capture included (bit for bit
on CPU)."""
import numpy as np
import torch

from mmdet_frcnn_annotated.tracefile import pictures_of


def _flat_losses(losses):
    flat = {}
    for name, value in losses.items():
        values = value if isinstance(value, list) else [value]
        for level, tensor in enumerate(values):
            flat[f'{name}[{level}]'] = tensor
    return flat


def test_same_parameters_after_loading(stepped_models):
    stock = stepped_models['stock']['model'].state_dict()
    for variant in ('off', 'on'):
        other = stepped_models[variant]['model'].state_dict()
        assert stock.keys() == other.keys()
        assert all(torch.equal(stock[k], other[k]) for k in stock)


def test_losses_equal_stock(stepped_models):
    stock = _flat_losses(stepped_models['stock']['losses'])
    # RPN: 5 levels x 2 losses; RoI head: loss_cls, acc, loss_bbox
    assert len(stock) == 13
    for variant in ('off', 'on'):
        other = _flat_losses(stepped_models[variant]['losses'])
        assert stock.keys() == other.keys()
        for key in stock:
            assert torch.equal(stock[key], other[key]), (variant, key)


def test_gradients_equal_stock(stepped_models):
    stock = stepped_models['stock']['grads']
    assert len(stock) > 100  # every trainable layer got a gradient
    for variant in ('off', 'on'):
        other = stepped_models[variant]['grads']
        assert stock.keys() == other.keys()
        for name in stock:
            assert torch.equal(stock[name], other[name]), (variant, name)


def test_detections_equal_stock(stepped_models):
    stock = stepped_models['stock']['dets']
    assert len(stock) == 2 and len(stock[0]) == 3  # 2 images x 3 classes
    for variant in ('off', 'on'):
        other = stepped_models[variant]['dets']
        assert len(other) == len(stock), variant
        for per_image_stock, per_image_other in zip(stock, other):
            assert len(per_image_other) == len(per_image_stock), variant
            for a, b in zip(per_image_stock, per_image_other):
                assert a.shape == b.shape and np.array_equal(a, b), variant


def test_tracing_on_wrote_both_phases(stepped_models):
    assert set(stepped_models['trace']) == {'train', 'test'}


def test_line_capture_was_on_in_both_phases(stepped_models):
    for records in stepped_models['trace'].values():
        calls = [r for r in records if r.kind == 'call']
        assert len(calls) > 20  # the step ran under the line capture
        assert records[-1].values['errors'] == []


def test_pictures_were_drawn_in_both_phases(stepped_models):
    """The numbers above hold with the pictures on: the traced model drew
    them (the pictures are on by default)."""
    for phase, records in stepped_models['trace'].items():
        kinds = [p['kind'] for p in pictures_of(records)]
        assert 'input' in kinds and 'proposals' in kinds, phase
        assert any(r.kind == 'boxes' for r in records), phase


def test_values_and_study_pages_were_on_in_both_phases(stepped_models):
    """The numbers above hold with the value summaries read and the study
    pages written (both on by default)."""
    import os.path as osp
    for phase, records in stepped_models['trace'].items():
        summaries = [
            data for r in records if r.kind == 'call'
            for entries in r.values['lines'].values()
            for _, names in entries for data in names.values()
            if data and data[0] == 'T' and len(data) == 4
        ]
        assert len(summaries) > 50, phase
        assert osp.isfile(osp.join(stepped_models['out_dir'],
                                   f'{phase}_iter0.html'))
