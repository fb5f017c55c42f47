"""A small COCO-format dataset of simple shapes, generated on demand.

Images of ``height x width`` pixels hold 0 to 4 filled shapes of three
classes (square, disc, triangle) on a textured background; every box is the
exact pixel extent of its shape, and every shape's ``segmentation`` is its
exact pixel mask (uncompressed COCO RLE), so the same files train Faster
R-CNN and Mask R-CNN. Where shapes overlap, the later one is drawn on top
and the earlier one's mask loses the covered pixels. About one image in six
has no shape at all. The generator is seeded and deterministic: the same
arguments give the same files, byte for byte.

Command line::

    python -m mmdet_frcnn_annotated.datasets.toy_shapes --out data/toy_shapes
"""
import argparse
import json
import os
import os.path as osp

import cv2
import numpy as np
from mmdet.datasets import CocoDataset
from mmdet.datasets.builder import DATASETS

from ..registry import register

CLASSES = ('square', 'disc', 'triangle')
SPLITS = {'train': 24, 'val': 8}
BACKGROUND_MAX = 150
SHAPE_MIN = 200


def _draw_shape(rng, label, height, width):
    """Mask (height, width) of one shape of class ``label``."""
    mask = np.zeros((height, width), np.uint8)
    size = int(rng.randint(24, min(height, width) // 2))
    x = int(rng.randint(0, width - size))
    y = int(rng.randint(0, height - size))
    if CLASSES[label] == 'square':
        cv2.rectangle(mask, (x, y), (x + size - 1, y + size - 1), 1, -1)
    elif CLASSES[label] == 'disc':
        r = size // 2
        cv2.circle(mask, (x + r, y + r), r, 1, -1)
    else:
        points = np.array([[x + size // 2, y], [x, y + size - 1],
                           [x + size - 1, y + size - 1]], np.int32)
        cv2.fillPoly(mask, [points], 1)
    return mask


def _image(rng, height, width):
    """One image (BGR uint8) and its annotations as (label, bbox xywh)."""
    yy, xx = np.mgrid[0:height, 0:width]
    base = 60 + 30 * np.sin(xx / rng.uniform(15, 40)) * np.cos(
        yy / rng.uniform(15, 40))
    img = np.stack([base + rng.uniform(0, 50) for _ in range(3)], axis=-1)
    img += rng.normal(0, 6, img.shape)
    # background stays below BACKGROUND_MAX, shapes above SHAPE_MIN
    img = np.clip(img, 0, BACKGROUND_MAX)
    shapes = []
    num_shapes = 0 if rng.rand() < 1 / 6 else int(rng.randint(1, 5))
    for _ in range(num_shapes):
        label = int(rng.randint(len(CLASSES)))
        mask = _draw_shape(rng, label, height, width).astype(bool)
        img[mask] = rng.uniform(SHAPE_MIN, 255, size=3)
        for _, earlier in shapes:  # a shape on top hides what it covers
            earlier &= ~mask
        shapes.append((label, mask))
    objects = []
    for label, mask in shapes:
        ys, xs = np.nonzero(mask)
        if len(xs) == 0:  # wholly covered by later shapes
            continue
        x1, y1 = int(xs.min()), int(ys.min())
        box = [x1, y1, int(xs.max()) + 1 - x1, int(ys.max()) + 1 - y1]
        objects.append((label, box, mask))
    return np.clip(img, 0, 255).astype(np.uint8), objects


def rle_counts(mask):
    """Uncompressed COCO RLE counts of a boolean mask: run lengths over the
    pixels in column-major order, starting with a run of zeros."""
    flat = mask.T.reshape(-1).astype(np.int8)
    changes = np.flatnonzero(np.diff(flat)) + 1
    edges = np.concatenate([[0], changes, [flat.size]])
    counts = np.diff(edges).tolist()
    if flat.size and flat[0]:
        counts = [0] + counts
    return [int(c) for c in counts]


def generate(out_dir, seed=0, height=256, width=320, splits=None):
    """Write ``<split>/*.png`` and ``annotations/<split>.json``.

    Returns:
        dict: split name -> path of its annotation file.
    """
    if height < 64 or width < 64:
        raise ValueError(f'toy images must be at least 64 x 64, got '
                         f'{height} x {width}')
    splits = splits or SPLITS
    rng = np.random.RandomState(seed)
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    ann_files = {}
    for split, count in splits.items():
        os.makedirs(osp.join(out_dir, split), exist_ok=True)
        images, annotations = [], []
        for image_id in range(count):
            img, objects = _image(rng, height, width)
            name = f'{split}_{image_id:04d}.png'
            cv2.imwrite(osp.join(out_dir, split, name), img)
            images.append(
                dict(id=image_id, file_name=name, height=height, width=width))
            for label, (x, y, w, h), mask in objects:
                annotations.append(
                    dict(
                        id=len(annotations) + 1,
                        image_id=image_id,
                        category_id=label + 1,
                        bbox=[x, y, w, h],
                        area=int(mask.sum()),
                        segmentation=dict(
                            size=[height, width], counts=rle_counts(mask)),
                        iscrowd=0))
        categories = [
            dict(id=i + 1, name=name) for i, name in enumerate(CLASSES)
        ]
        ann_file = osp.join(out_dir, 'annotations', f'{split}.json')
        with open(ann_file, 'w') as f:
            json.dump(
                dict(
                    images=images,
                    annotations=annotations,
                    categories=categories),
                f,
                indent=1)
        ann_files[split] = ann_file
    return ann_files


def ensure_generated(ann_file, **kwargs):
    """Generate the dataset that ``ann_file`` belongs to if it is missing.

    ``ann_file`` must be ``<root>/annotations/<split>.json``.
    """
    if osp.exists(ann_file) and _has_masks(ann_file):
        return
    root = osp.dirname(osp.dirname(osp.abspath(ann_file)))
    generate(root, **kwargs)
    if not osp.exists(ann_file):
        raise FileNotFoundError(
            f'{ann_file} is not one of the toy splits {sorted(SPLITS)} '
            f'under {root}/annotations/')


def _has_masks(ann_file):
    """Whether the files were written with masks (older toy data were
    not; they are written again)."""
    try:
        with open(ann_file) as f:
            annotations = json.load(f).get('annotations', [])
    except (OSError, ValueError):
        return False
    return all('segmentation' in ann for ann in annotations)


@register(DATASETS)
class ToyShapesDataset(CocoDataset):
    """CocoDataset of the toy shapes; generates them when they are missing.

    Accepts the arguments of CocoDataset.
    """

    CLASSES = CLASSES

    def __init__(self, ann_file, *args, **kwargs):
        ensure_generated(ann_file)
        super().__init__(ann_file, *args, **kwargs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', default='data/toy_shapes')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--height', type=int, default=256)
    parser.add_argument('--width', type=int, default=320)
    args = parser.parse_args(argv)
    files = generate(args.out, args.seed, args.height, args.width)
    for split, path in files.items():
        print(f'{split}: {path}')


if __name__ == '__main__':
    main()
