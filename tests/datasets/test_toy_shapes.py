import hashlib
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmdet_frcnn_annotated.datasets import toy_shapes


def _digest(root):
    h = hashlib.sha256()
    for dirpath, _, files in sorted(os.walk(root)):
        for name in sorted(files):
            with open(osp.join(dirpath, name), 'rb') as f:
                h.update(name.encode() + f.read())
    return h.hexdigest()


@pytest.fixture(scope='module')
def generated(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('toy'))
    return root, toy_shapes.generate(root, seed=3)


def test_deterministic(generated, tmp_path):
    root, _ = generated
    toy_shapes.generate(str(tmp_path), seed=3)
    assert _digest(str(tmp_path)) == _digest(root)


def test_coco_layout_and_empty_images(generated):
    root, files = generated
    train = json.load(open(files['train']))
    assert len(train['images']) == toy_shapes.SPLITS['train']
    assert [c['name'] for c in train['categories']] == [
        'square', 'disc', 'triangle'
    ]
    with_boxes = {a['image_id'] for a in train['annotations']}
    assert len(with_boxes) < len(train['images'])  # some have no boxes


def test_boxes_are_exact_pixel_extents(generated):
    root, files = generated
    data = json.load(open(files['train']))
    checked = 0
    for image in data['images']:
        anns = [a for a in data['annotations'] if a['image_id'] == image['id']]
        img = cv2.imread(osp.join(root, 'train', image['file_name']))
        shape_pixels = (img >= toy_shapes.SHAPE_MIN).all(axis=-1)
        if not anns:
            assert not shape_pixels.any()
            continue
        if len(anns) != 1:
            continue  # shapes may overlap; single shapes are unambiguous
        ys, xs = np.nonzero(shape_pixels)
        x, y, w, h = anns[0]['bbox']
        assert (x, y, x + w, y + h) == (xs.min(), ys.min(), xs.max() + 1,
                                        ys.max() + 1)
        checked += 1
    assert checked > 0


def test_bad_size_is_named(tmp_path):
    with pytest.raises(ValueError, match='at least 64 x 64'):
        toy_shapes.generate(str(tmp_path), height=32)


def test_masks_are_the_shapes_pixels(generated):
    """Decoded with pycocotools (as mmdet's LoadAnnotations does), the masks
    of an image cover exactly its shape pixels, without overlap, and each
    box is its mask's extent."""
    from pycocotools import mask as mask_utils
    root, files = generated
    data = json.load(open(files['train']))
    checked = 0
    for image in data['images']:
        anns = [a for a in data['annotations'] if a['image_id'] == image['id']]
        img = cv2.imread(osp.join(root, 'train', image['file_name']))
        shape_pixels = (img >= toy_shapes.SHAPE_MIN).all(axis=-1)
        union = np.zeros(shape_pixels.shape, int)
        for ann in anns:
            rle = mask_utils.frPyObjects(ann['segmentation'], image['height'],
                                         image['width'])
            mask = mask_utils.decode(rle).astype(bool)
            union += mask
            ys, xs = np.nonzero(mask)
            x, y, w, h = ann['bbox']
            assert (x, y, x + w, y + h) == (xs.min(), ys.min(),
                                            xs.max() + 1, ys.max() + 1)
            assert ann['area'] == mask.sum()
            checked += 1
        assert union.max() <= 1
        assert ((union == 1) == shape_pixels).all()
    assert checked > 10
