"""What the pictures of a traced step draw, as plain data.

Each ``boxes`` record holds the boxes of one image in the coordinates of
the network's input (the resized, padded image), with optional columns of
the same length:

- ``boxes``: ``[[x1, y1, x2, y2], ...]``, rounded to 0.1 pixel;
- ``levels``: the FPN level number l of each box (anchors, proposals);
- ``scores``: a score per box (proposals, detections);
- ``labels``: the class index of each box (ground truth, detections),
  named by the ``class names`` record of the step;
- ``is_gt``: whether a sampled RoI is a ground-truth box;
- ``masks``: a mask per box, rows of '0' and '1' (the mask targets);
- ``total``: how many boxes there were before :data:`LIMITS` kept some.

Only traced steps with pictures on call these helpers; each reads its
tensors off the device once (``tolist``).
"""
import bisect

import numpy as np
import torch

# At most this many boxes of one image are kept for a picture: all
# positives are drawn, negatives and proposals are too many to read.
LIMITS = dict(
    negative_anchors=40, proposals=50, negative_rois=40, detections=10,
    mask_targets=4)


def box_values(image, boxes, limit=None, **columns):
    """The values of a ``boxes`` record.

    Args:
        image (int): index of the image in the batch.
        boxes (Tensor): (n, >=4); the first four columns are drawn.
        limit (int, optional): keep the first ``limit`` boxes (callers
            order them: by score, or already at random).
        columns: per-box tensors or lists (``levels``, ``scores``, ...).
    """
    total = int(boxes.shape[0])
    keep = total if limit is None else min(limit, total)
    values = {
        'image': image,
        'total': total,
        'boxes': [[round(v, 1) for v in row]
                  for row in boxes[:keep, :4].tolist()],
    }
    for name, column in columns.items():
        column = column[:keep]
        column = column.tolist() if hasattr(column, 'tolist') else list(
            column)
        if name == 'scores':
            column = [round(float(v), 3) for v in column]
        values[name] = column
    return values


def spread(count, limit):
    """``limit`` indices spread evenly over ``range(count)`` (all of them
    when there are no more than ``limit``)."""
    if count <= limit:
        return np.arange(count)
    return np.linspace(0, count - 1, limit).round().astype(np.int64)


def levels_of(indices, level_sizes, levels):
    """The level of each index into anchors concatenated level by level.

    Args:
        indices (list[int]): indices into the concatenation.
        level_sizes (list[int]): anchors of each level (h_l * w_l * A).
        levels (list[int]): level number l of each level.
    """
    ends = np.cumsum(level_sizes).tolist()
    return [levels[bisect.bisect_right(ends, index)] for index in indices]


def mask_rows(mask):
    """A binary mask (h, w) as h strings of '0' and '1'."""
    return [''.join('1' if v else '0' for v in row)
            for row in (mask > 0.5).tolist()]


def by_score(dets):
    """Indices of ``dets`` (a CPU tensor of rows ``x1, y1, x2, y2,
    score``) from the best score down; a stable sort, so that the
    detections of one class keep the order of their masks in a result."""
    return torch.from_numpy(np.argsort(-dets[:, 4].numpy(), kind='stable'))


def crop_rows(mask, box, size):
    """The part of an image-sized mask (h, w) under ``box`` (x1, y1, x2,
    y2), sampled on a ``size`` x ``size`` grid, as :func:`mask_rows`."""
    mask = np.asarray(mask)
    height, width = mask.shape[:2]
    x1, y1, x2, y2 = box
    x1, x2 = int(np.clip(x1, 0, width - 1)), int(np.clip(x2, 1, width))
    y1, y2 = int(np.clip(y1, 0, height - 1)), int(np.clip(y2, 1, height))
    xs = np.linspace(x1, max(x1, x2 - 1), size).round().astype(np.int64)
    ys = np.linspace(y1, max(y1, y2 - 1), size).round().astype(np.int64)
    return mask_rows(mask[ys][:, xs])
