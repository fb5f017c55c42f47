"""The pictures of Mask R-CNN: its mask targets, drawn from the ``mask
targets`` records of a training step, and the masks of a test step's
best detections pasted over the image (:func:`paste`), from its ``masks``
records (:func:`~...runtime.boxes.mask_rows`).

For a few positive RoIs of each image, one row of three tiles: the part
of the input image under the RoI, stretched to a square as RoIAlign maps
every RoI onto one grid; the target the mask head learns for that RoI (the
ground-truth mask of its object, cut to the RoI and resized to
``mask_size``), white on black; and the two blended, so that the learner
sees which pixels of the crop the target calls the object.
"""
import cv2
import numpy as np

from . import canvas

TILE = 112
EMPTY = (200, 200, 200)


def mask_targets(step, max_side):
    """``(picture, rois drawn)``; ``max_side`` is not needed, the tiles
    have a fixed size."""
    rows, drawn = [], 0
    for i, image in enumerate(step.images):
        record = step.get('mask targets', i)
        labels = record.get('labels', [])
        for index, (box, mask) in enumerate(
                zip(record['boxes'], record.get('masks', []))):
            target = _target(mask)
            crop = _crop(image, box)
            blend = crop.copy()
            inside = target[..., 0] > 0
            blend[inside] = (blend[inside] * 0.4 + np.array(
                canvas.POSITIVE) * 0.6).astype(np.uint8)
            label = labels[index] if index < len(labels) else -1
            x1, y1, x2, y2 = box
            text = (f'image {i}, {step.class_name(label)}: RoI '
                    f'{x2 - x1:.0f} x {y2 - y1:.0f} px -> target '
                    f'{len(mask[0]) if mask else 0} x {len(mask)}, '
                    f'{int(inside.mean() * 100)}% object')
            tiles = canvas.side_by_side([crop, target, blend])
            rows.append(canvas.stack(
                [canvas.caption([text], tiles.shape[1]), tiles]))
            drawn += 1
        if record['total'] > len(record['boxes']):
            rows.append(canvas.caption(
                [f'image {i}: {len(record["boxes"])} of {record["total"]} '
                 f'positive RoIs shown'], 3 * TILE + 12))
    if not rows:
        return canvas.caption(['no positive RoI'], 3 * TILE + 12), 0
    return canvas.stack(rows), drawn


def _target(rows):
    """A mask given as rows of '0'/'1', as a TILE x TILE BGR tile."""
    if not rows:
        return np.full((TILE, TILE, 3), EMPTY, np.uint8)
    mask = np.array([[c == '1' for c in row] for row in rows], np.uint8)
    mask = cv2.resize(mask * 255, (TILE, TILE),
                      interpolation=cv2.INTER_NEAREST)
    return cv2.cvtColor(mask, cv2.COLOR_GRAY2BGR)


def _crop(image, box):
    """The image under ``box`` (clipped to the image), stretched to a
    TILE x TILE square; grey when nothing of it is inside the image."""
    height, width = image.shape[:2]
    x1, y1, x2, y2 = box
    left, top = int(np.clip(np.floor(x1), 0, width)), int(
        np.clip(np.floor(y1), 0, height))
    right, bottom = int(np.clip(np.ceil(x2), 0, width)), int(
        np.clip(np.ceil(y2), 0, height))
    if right <= left or bottom <= top:
        return np.full((TILE, TILE, 3), EMPTY, np.uint8)
    return cv2.resize(image[top:bottom, left:right], (TILE, TILE),
                      interpolation=cv2.INTER_LINEAR)


def paste(panel, box, rows, scale, colour):
    """Blend a mask given as rows of '0'/'1' over the part of ``panel``
    under ``box`` (input coordinates, drawn at ``scale``)."""
    if not rows:
        return
    x1, y1, x2, y2 = [int(round(v * scale)) for v in box]
    height, width = panel.shape[:2]
    left, top = max(x1, 0), max(y1, 0)
    right, bottom = min(x2, width), min(y2, height)
    if right <= left or bottom <= top:
        return
    mask = np.array([[c == '1' for c in row] for row in rows], np.uint8)
    mask = cv2.resize(mask, (max(x2 - x1, 1), max(y2 - y1, 1)),
                      interpolation=cv2.INTER_NEAREST)
    mask = mask[top - y1:bottom - y1, left - x1:right - x1] > 0
    region = panel[top:bottom, left:right]
    region[mask] = (region[mask] * 0.45 + np.array(colour) * 0.55).astype(
        np.uint8)
