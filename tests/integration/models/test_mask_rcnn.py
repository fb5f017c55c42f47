"""Mask R-CNN: the annotated model computes what stock ``MaskRCNN``
computes, bit for bit on CPU with every tracing feature on, and its trace
checks the mask branch's shapes against the config.

The inputs are two images of 96 x 128, the first with two objects whose
masks are discs inside their boxes, the second with none."""
import copy
import math
import os.path as osp
import re

import numpy as np
import pytest
import torch
from conftest import (_detections, _losses_and_grads, c4_model, demo_inputs,
                      mask_model_config, with_disc_masks)

from mmdet_frcnn_annotated.runtime.recorder import recording
from mmdet_frcnn_annotated.tracefile import read_trace

SIZES = [(96, 128), (96, 128)]
BOXES = [[[8, 10, 60, 70], [70, 20, 120, 80]], []]
LABELS = [[0, 2], []]


def _c4(model):
    """Mask R-CNN C4 as mmdetection v2.11.0's mask_rcnn_r50_caffe_c4.py
    has it: the box head's extractor and shared head serve the mask head
    too (no mask_roi_extractor), which has no conv and a class-agnostic
    map here; fewer rois than the config's to keep it quick on a CPU."""
    c4_model(model)
    model.roi_head.mask_roi_extractor = None
    model.roi_head.mask_head.update(num_convs=0, in_channels=2048,
                                    class_agnostic=True)
    model.train_cfg.rcnn.mask_size = 14
    return model


VARIANTS = {'fpn': lambda model: model, 'c4': _c4}


def _model_cfg(annotated, out_dir=None, variant='fpn'):
    trace = dict(out_dir=out_dir) if annotated else None
    return VARIANTS[variant](mask_model_config(annotated, trace))


def _inputs():
    return with_disc_masks(demo_inputs(SIZES, BOXES, LABELS))


def _train(model, inputs):
    """Losses and gradients of one step on a copy of ``inputs``."""
    return _losses_and_grads(model, copy.deepcopy(inputs))[:2]


def _test(model, inputs):
    return _detections(model, copy.deepcopy(inputs))


@pytest.fixture(scope='module',
                params=['fpn', pytest.param('c4', marks=pytest.mark.slow)])
def runs(request, tmp_path_factory):
    from mmdet.models import build_detector

    import mmdet_frcnn_annotated  # noqa: F401
    variant = request.param
    out_dir = str(tmp_path_factory.mktemp(f'mask_rcnn_{variant}'))
    torch.manual_seed(0)
    stock = build_detector(_model_cfg(False, variant=variant))
    annotated = build_detector(_model_cfg(True, out_dir, variant))
    annotated.load_state_dict(stock.state_dict())
    inputs = _inputs()
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
                cfg=_model_cfg(True, out_dir, variant),
                trace={r[0].phase: r for r in traces})


def test_losses_and_gradients_equal_stock(runs):
    (stock_losses, stock_grads), (losses, grads) = (
        runs['found']['stock'], runs['found']['annotated'])
    assert 'loss_mask' in stock_losses
    assert stock_losses.keys() == losses.keys()
    for key in stock_losses:
        a, b = stock_losses[key], losses[key]
        for x, y in zip(a if isinstance(a, list) else [a],
                        b if isinstance(b, list) else [b]):
            assert torch.equal(x, y), key
    mask_grads = [n for n in stock_grads if n.startswith('roi_head.mask_')]
    assert mask_grads  # the mask branch was trained
    assert stock_grads.keys() == grads.keys()
    for name in stock_grads:
        assert torch.equal(stock_grads[name], grads[name]), name


def test_boxes_and_masks_equal_stock(runs):
    stock, annotated = runs['results']['stock'], runs['results']['annotated']
    assert len(stock) == len(annotated) == 2
    for (boxes_a, masks_a), (boxes_b, masks_b) in zip(stock, annotated):
        assert len(boxes_a) == len(masks_a) == 3  # per class
        for a, b in zip(boxes_a, boxes_b):
            assert np.array_equal(a, b)
        for a, b in zip(masks_a, masks_b):
            assert len(a) == len(b)
            for x, y in zip(a, b):
                assert x.shape == SIZES[0] and np.array_equal(x, y)


def _tensors(records, prefix):
    return [r for r in records if r.kind == 'tensor'
            and r.stage.startswith(prefix)]


def test_mask_branch_shapes_follow_the_config(runs):
    cfg = runs['cfg']
    train, test = runs['trace']['train'], runs['trace']['test']
    for records in (train, test):
        assert records[-1].values['errors'] == []
        assert [r for r in records if r.kind == 'tensor' and r.ok is False
                and not r.known] == []
    symbols = next(r.values for r in train if r.kind == 'symbols')
    positives = sum(v for k, v in symbols.items() if k.startswith('Pr_'))
    assert symbols['Rm'] == positives > 0
    head = cfg.roi_head.mask_head
    if cfg.roi_head.mask_roi_extractor:
        size = cfg.roi_head.mask_roi_extractor.roi_layer.output_size
    else:  # the box branch's features, after the shared head's stride 2
        size = math.ceil(
            cfg.roi_head.bbox_roi_extractor.roi_layer.output_size / 2)
    mask_size = cfg.train_cfg.rcnn.mask_size
    classes = 1 if head.get('class_agnostic') else head.num_classes
    by_name = {r.name: r for r in _tensors(train, 'roi_head/mask')}
    assert by_name['mask_feats'].shape == [positives, head.in_channels,
                                           size, size]
    assert by_name['mask_pred'].shape == [positives, classes, 2 * size,
                                          2 * size]
    assert by_name['mask_targets'].shape == [positives, mask_size,
                                             mask_size]
    assert by_name['loss_mask'].ok
    test_symbols = next(r.values for r in test if r.kind == 'symbols')
    detections = sum(v for k, v in test_symbols.items()
                     if k.startswith('D_'))
    boxes = sum(len(per_class) for per_image in runs['results']['annotated']
                for per_class in per_image[0])
    assert test_symbols['Rm'] == detections == boxes


def test_listing_explains_the_mask_functions(runs):
    with open(osp.join(runs['out_dir'], 'train_iter0.listing.en.md'),
              encoding='utf-8') as f:
        listing = f.read()
    for name in ('StandardRoIHead._mask_forward_train',
                 'FCNMaskHead.forward', 'FCNMaskHead.get_targets',
                 'mask_target_single', 'BitmapMasks.crop_and_resize',
                 'FCNMaskHead.loss'):
        assert f'`{name}`' in listing, name


def test_listing_shapes_agree_in_both_phases(runs):
    for phase in ('train', 'test'):
        with open(osp.join(runs['out_dir'], f'{phase}_iter0.listing.en.md'),
                  encoding='utf-8') as f:
            listing = f.read()
        assert ', 0 disagreeing,' in listing, phase
    assert '`MaskTestMixin.simple_test_mask`' in listing
    assert '`FCNMaskHead.get_seg_masks`' in listing


def test_mask_target_picture_shows_the_gt_disc(runs):
    """The first positive of image 0 is its first ground-truth box (the
    sampler puts the gt boxes first); its target is the disc inscribed in
    the box, which covers pi r^2 / (w h) of the target's pixels."""
    from mmdet_frcnn_annotated.tracefile import pictures_of
    train = runs['trace']['train']
    mask_size = runs['cfg'].train_cfg.rcnn.mask_size
    records = [r for r in train
               if r.kind == 'boxes' and r.name == 'mask targets']
    assert records and all(
        len(mask) == mask_size and all(len(row) == mask_size for row in mask)
        for r in records for mask in r.values['masks'])
    first = next(r.values for r in records if r.values['image'] == 0)
    x1, y1, x2, y2 = BOXES[0][0]
    assert first['boxes'][0] == [x1, y1, x2, y2]
    ones = sum(row.count('1') for row in first['masks'][0]) / mask_size**2
    radius = min(x2 - x1, y2 - y1) / 2
    assert abs(ones - math.pi * radius**2 / ((x2 - x1) * (y2 - y1))) < 0.05
    kinds = {p['kind']: p['file'] for p in pictures_of(train)}
    import cv2
    picture = cv2.imread(osp.join(runs['out_dir'], kinds['mask_targets']))
    assert picture is not None and picture.shape[0] > 112


def test_mask_notes_and_texts_state_the_config(runs):
    """The stage notes and the explanations quote the config's mask
    branch: its convs, upsampling, class-agnostic flag, target size and
    threshold, in both languages."""
    cfg, out_dir = runs['cfg'], runs['out_dir']
    head = cfg.roi_head.mask_head
    agnostic = bool(head.get('class_agnostic', False))
    read = {}
    for name in ('train_iter0.md', 'train_iter0.zh.md', 'test_iter0.md',
                 'train_iter0.listing.en.md', 'train_iter0.listing.zh.md'):
        with open(osp.join(out_dir, name), encoding='utf-8') as f:
            read[name] = f.read()
    report = read['train_iter0.md']
    assert f'{head.num_convs} 3x3 convs of {head.conv_out_channels}' \
        in report
    assert f'class_agnostic (here {agnostic})' in report
    assert f'mask_size = {cfg.train_cfg.rcnn.mask_size}' in report
    assert f'mask_size = {cfg.train_cfg.rcnn.mask_size}' in read[
        'train_iter0.zh.md']
    assert (f'mask_thr_binary = {cfg.test_cfg.rcnn.mask_thr_binary}'
            in read['test_iter0.md'])
    for listing in ('train_iter0.listing.en.md',
                    'train_iter0.listing.zh.md'):
        section = re.split(r'### \d+\. `FCNMaskHead.forward`',
                           read[listing], 1)[1]
        explanation = ' '.join(line for line in section.split('```')[0]
                               .splitlines() if line.startswith('> '))
        assert str(head.num_convs) in explanation
        assert str(agnostic) in explanation, listing


def test_mask_picture_holds_the_masks_of_the_best_detections(runs):
    """The test step's ``masks`` record keeps, per detection, its mask
    cut to its box: compared here with the mask the test returned for the
    same detection (the k-th of its class), sampled the same way."""
    from mmdet_frcnn_annotated.tracefile import pictures_of
    test = runs['trace']['test']
    records = {r.values['image']: r.values for r in test
               if r.kind == 'boxes' and r.name == 'masks'}
    results = runs['results']['annotated']
    for i, (boxes, masks) in enumerate(results):
        shown = records.get(i)
        total = sum(len(per_class) for per_class in boxes)
        if not total:
            assert shown is None or shown['total'] == 0
            continue
        assert shown['total'] == total
        seen = {}
        for box, label, rows in zip(shown['boxes'], shown['labels'],
                                    shown['masks']):
            index = seen.get(label, 0)
            seen[label] = index + 1
            assert np.allclose(boxes[label][index][:4], box, atol=0.1)
            mask = masks[label][index]
            height, width = mask.shape
            x1, y1, x2, y2 = [int(v) for v in np.clip(
                boxes[label][index][:4], 0,
                [width - 1, height - 1, width, height])]
            xs = np.linspace(x1, max(x1, x2 - 1), 28).round().astype(int)
            ys = np.linspace(y1, max(y1, y2 - 1), 28).round().astype(int)
            expected = mask[ys][:, xs]
            assert [''.join('1' if v else '0' for v in row)
                    for row in expected.tolist()] == rows
    if any(r.values['total'] for r in test
           if r.kind == 'boxes' and r.name == 'masks'):
        assert 'masks' in {p['kind'] for p in pictures_of(test)}
