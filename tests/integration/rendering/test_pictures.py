"""The pictures of a traced step: which exist, that they are PNGs within
the budget, and that each draws the boxes the step had, counted in
OpenCV's drawing call against numbers worked out from the inputs and the
trace's own counts."""
import os.path as osp

import cv2
import numpy as np
import pytest
from conftest import TRAIN_BOXES, TRAIN_SIZES

from mmdet_frcnn_annotated.rendering.drawing import (MAX_BYTES, draw_picture,
                                                     draw_pictures,
                                                     encoded_pictures)
from mmdet_frcnn_annotated.tracefile import pictures_of

TRAIN_KINDS = ['input', 'anchors', 'rpn_targets', 'proposals',
               'roi_samples']
TEST_KINDS = ['input', 'proposals', 'detections']
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


@pytest.fixture
def outlines(monkeypatch):
    """Counts the box outlines OpenCV draws (filled patches, thickness
    -1, are legends and label backgrounds, not boxes)."""
    counted = []
    rectangle = cv2.rectangle

    def counting(image, pt1, pt2, colour, thickness=1, *args, **kwargs):
        if thickness > 0:
            counted.append((pt1, pt2))
        return rectangle(image, pt1, pt2, colour, thickness, *args,
                         **kwargs)

    monkeypatch.setattr(cv2, 'rectangle', counting)
    return counted


def _blank_images():
    return [np.full((h, w, 3), 128, np.uint8) for h, w in TRAIN_SIZES]


def _stats(records, stage_prefix, name):
    return [r.values for r in records
            if r.kind == 'stats' and r.stage.startswith(stage_prefix)
            and r.name == name]


def _expected_boxes(phase, records):
    """Boxes each picture must draw, from the test's inputs and from the
    step's own symbols and sampling counts (not from the boxes records)."""
    symbols = records[0].values
    num_gt = sum(len(boxes) for boxes in TRAIN_BOXES)  # 3, by hand
    images = range(len(TRAIN_SIZES))
    if phase == 'test':
        return dict(
            input=0,
            proposals=sum(min(50, symbols[f'K_{i}']) for i in images),
            detections=sum(min(10, symbols[f'D_{i}']) for i in images))
    rpn = _stats(records, 'rpn_head/targets/img', 'sampling')
    return dict(
        input=num_gt,
        anchors=3 * 5,  # 3 ratios x 1 scale, at P2..P6
        rpn_targets=num_gt + sum(
            s['sampled positives'] + min(40, s['sampled negatives'])
            for s in rpn),
        proposals=sum(min(50, symbols[f'K_{i}']) for i in images),
        roi_samples=sum(symbols[f'Pr_{i}'] + min(40, symbols[f'Qr_{i}'])
                        for i in images))


@pytest.mark.parametrize('phase', ['train', 'test'])
def test_each_picture_draws_the_boxes_of_the_step(stepped_models, outlines,
                                                  phase):
    records = stepped_models['trace'][phase]
    expected = _expected_boxes(phase, records)
    assert expected['proposals'] > 0
    for kind, boxes in expected.items():
        del outlines[:]
        picture = draw_picture(kind, records, _blank_images())
        assert len(outlines) == boxes, kind  # counted in OpenCV's call
        assert picture.boxes == boxes, kind
    kinds = [p.kind for p in draw_pictures(records, _blank_images())]
    assert kinds == list(expected)
    # the trace's summary says the same of the files it wrote
    written = {p['kind']: p['boxes']
               for p in pictures_of(records)}
    assert written == expected


@pytest.mark.parametrize('phase, kinds', [('train', TRAIN_KINDS),
                                          ('test', TEST_KINDS)])
def test_pictures_are_pngs_within_the_budget(stepped_models, phase, kinds):
    out_dir = stepped_models['out_dir']
    drawn = pictures_of(stepped_models['trace'][phase])
    assert [p['kind'] for p in drawn] == kinds
    total = 0
    for kind in kinds:
        path = osp.join(out_dir, f'{phase}_iter0.{kind}.png')
        with open(path, 'rb') as f:
            data = f.read()
        assert data.startswith(PNG_SIGNATURE), path
        image = cv2.imread(path)
        assert image is not None and image.ndim == 3, path
        total += len(data)
    assert 0 < total <= MAX_BYTES
    report = open(osp.join(out_dir, f'{phase}_iter0.md'),
                  encoding='utf-8').read()
    for kind in kinds:
        assert f']({phase}_iter0.{kind}.png)' in report


def test_large_noisy_images_are_drawn_smaller_to_fit(stepped_models):
    """Noise does not compress: at full size these pictures would need far
    more than the budget."""
    rng = np.random.RandomState(0)
    images = [rng.randint(0, 255, (800, 1333, 3)).astype(np.uint8)
              for _ in TRAIN_SIZES]
    records = stepped_models['trace']['train']
    full = sum(len(cv2.imencode('.png', image)[1]) for image in images)
    assert full * len(TRAIN_KINDS) > 2 * MAX_BYTES
    encoded = encoded_pictures(records, images)
    assert [p.kind for p, _ in encoded] == TRAIN_KINDS
    assert sum(len(data) for _, data in encoded) <= MAX_BYTES
