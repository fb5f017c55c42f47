"""The pictures of one traced step, drawn from its ``boxes`` records and the
images of its batch.

Kinds, in the order a learner meets them (each drawn when the step has
its boxes):

- ``input``: the images as the network saw them, with the ground truth;
- ``anchors``: the A base anchors of one location at every level, to
  scale, centred on the first image;
- ``rpn_targets``: the RPN's sampled positive anchors and some of its
  sampled negatives, coloured by FPN level;
- ``proposals``: the best proposals after NMS, coloured by level;
- ``roi_samples``: the RoI head's sampled positives and negatives;
- ``detections``: the best detections with class names and scores;
- ``mask_targets`` (Mask R-CNN): a few positive RoIs beside their mask
  targets (:mod:`.mask_pictures`);
- ``masks`` (Mask R-CNN): the masks of the best detections over the image;
- ``cascade_positives`` and ``cascade_refinement`` (Cascade R-CNN): each
  stage's positives, and one roi refined stage by stage
  (:mod:`.cascade_pictures`).
"""
from collections import namedtuple

import numpy as np

from ...knowledge.stages import PICTURES
from . import canvas
from .cascade_pictures import cascade_positives, cascade_refinement
from .mask_pictures import mask_targets, paste

Picture = namedtuple('Picture', 'kind image boxes')
LEGEND_WIDTH = 520  # the base anchors' sizes need about this much

# The kinds, in the order of the step; their captions are texts
# (``knowledge/texts/stages.<lang>.md``, ``@picture_<kind>``).
KINDS = tuple(kind for kind, _ in PICTURES)


class _Step:
    """The ``boxes`` records of a step by (name, image), and its images."""

    def __init__(self, records, images):
        self.images = images
        self.boxes = {}
        self.stages = {}  # a cascade's: (name, image) -> {stage: values}
        self.classes = []
        for r in records:
            if r.kind != 'boxes':
                continue
            if r.name == 'class names':
                self.classes = r.values.get('classes', [])
                continue
            key = (r.name, r.values.get('image', 0))
            self.boxes.setdefault(key, r.values)  # a cascade's first stage
            if 'stage' in r.values:
                self.stages.setdefault(key, {})[r.values['stage']] = r.values

    def staged(self, name, image):
        """``{stage: values}`` of a cascade's records ``name``."""
        return self.stages.get((name, image), {})

    def has(self, name):
        return any(key[0] == name for key in self.boxes)

    def get(self, name, image):
        return self.boxes.get((name, image), {'boxes': [], 'total': 0})

    def class_name(self, label):
        if 0 <= label < len(self.classes):
            return str(self.classes[label])
        return f'class {label}'


def draw_pictures(records, images, max_side=512):
    """Every picture the step has the boxes for.

    Args:
        records (list[TraceRecord]): the records of one traced step.
        images (list[ndarray]): its batch, uint8 BGR, one per image.
        max_side (int): the longer side of each image in a picture.

    Returns:
        list[Picture]: ``image`` is the whole picture (uint8 BGR) and
        ``boxes`` how many boxes were drawn on it.
    """
    step = _Step(records, images)
    pictures = (_draw(kind, step, max_side) for kind in KINDS)
    return [picture for picture in pictures if picture is not None]


def draw_picture(kind, records, images, max_side=512):
    """The picture ``kind`` (one of :data:`KINDS`) of the step, or None
    when the step has nothing to draw for it."""
    return _draw(kind, _Step(records, images), max_side)


def _draw(kind, step, max_side):
    needs = dict(anchors='base anchors', rpn_targets='positive anchors',
                 proposals='top proposals', roi_samples='positive rois',
                 detections='detections', mask_targets='mask targets',
                 masks='masks', cascade_refinement='one roi refined')
    if not step.images or (kind in needs and not step.has(needs[kind])):
        return None
    if kind == 'cascade_positives' and not step.staged('positive rois', 0):
        return None
    image, boxes = _DRAWERS[kind](step, max_side)
    return Picture(kind, image, boxes)


# one panel per image ---------------------------------------------------------
def _panels(step, max_side, draw):
    """Each image scaled to ``max_side`` with ``draw(panel, i, scale)``
    applied and its caption above; all side by side. ``draw`` returns its
    caption and the number of boxes it drew."""
    panels, total = [], 0
    for i, image in enumerate(step.images):
        panel, scale = canvas.fitted(image, max_side)
        text, drawn = draw(panel, i, scale)
        total += drawn
        panels.append(
            canvas.stack([canvas.caption([text], panel.shape[1]), panel]))
    return canvas.side_by_side(panels), total


def _with_legend(picture, entries):
    return canvas.stack([picture, canvas.legend(entries, picture.shape[1])])


def _level_entries(levels):
    return [(canvas.level_colour(level), f'P{level}')
            for level in sorted(set(levels))]


def _ground_truth(step, panel, i, scale, labelled=True):
    gt = step.get('ground truth', i)
    labels = gt.get('labels', [])
    drawn = canvas.draw_boxes(panel, gt['boxes'], canvas.GROUND_TRUTH, 2,
                              scale)
    if labelled:
        for box, label in zip(gt['boxes'], labels):
            canvas.put_label(panel, step.class_name(label), box[0] * scale,
                             box[1] * scale - canvas.LINE_HEIGHT,
                             canvas.class_colour(label))
    return drawn


def _input(step, max_side):
    has_gt = step.has('ground truth')

    def draw(panel, i, scale):
        height, width = step.images[i].shape[:2]
        if not has_gt:
            return f'image {i}: {width} x {height}', 0
        drawn = _ground_truth(step, panel, i, scale)
        return (f'image {i}: {width} x {height}, {drawn} ground-truth '
                f'boxes', drawn)

    return _panels(step, max_side, draw)


def _rpn_targets(step, max_side):
    levels = []

    def draw(panel, i, scale):
        pos, neg = step.get('positive anchors', i), step.get(
            'negative anchors', i)
        levels.extend(pos.get('levels', []) + neg.get('levels', []))
        drawn = _ground_truth(step, panel, i, scale, labelled=False)
        drawn += canvas.draw_boxes(
            panel, neg['boxes'],
            [canvas.level_colour(lv) for lv in neg.get('levels', [])], 1,
            scale)
        drawn += canvas.draw_boxes(
            panel, pos['boxes'],
            [canvas.level_colour(lv) for lv in pos.get('levels', [])], 2,
            scale)
        return (f'image {i}: {pos["total"]} positives, '
                f'{len(neg["boxes"])} of {neg["total"]} negatives', drawn)

    picture, drawn = _panels(step, max_side, draw)
    return _with_legend(picture, _level_entries(levels) + [
        (canvas.GROUND_TRUTH, 'ground truth (white)')]), drawn


def _proposals(step, max_side):
    levels = []

    def draw(panel, i, scale):
        top = step.get('top proposals', i)
        levels.extend(top.get('levels', []))
        drawn = canvas.draw_boxes(
            panel, top['boxes'],
            [canvas.level_colour(lv) for lv in top.get('levels', [])], 1,
            scale)
        scores = top.get('scores', [])
        best = f', best score {scores[0]:.2f}' if scores else ''
        return (f'image {i}: best {len(top["boxes"])} of {top["total"]} '
                f'proposals{best}', drawn)

    picture, drawn = _panels(step, max_side, draw)
    return _with_legend(picture, _level_entries(levels)), drawn


def _roi_samples(step, max_side):

    def draw(panel, i, scale):
        pos, neg = step.get('positive rois', i), step.get('negative rois', i)
        drawn = canvas.draw_boxes(panel, neg['boxes'], canvas.NEGATIVE, 1,
                                  scale)
        drawn += canvas.draw_boxes(panel, pos['boxes'], canvas.POSITIVE, 2,
                                   scale)
        from_gt = sum(pos.get('is_gt', []))
        return (f'image {i}: {pos["total"]} positives ({from_gt} are '
                f'ground truth), {len(neg["boxes"])} of {neg["total"]} '
                f'negatives', drawn)

    picture, drawn = _panels(step, max_side, draw)
    return _with_legend(picture, [(canvas.POSITIVE, 'positive'),
                                  (canvas.NEGATIVE, 'negative')]), drawn


def _detections(step, max_side):

    def draw(panel, i, scale):
        dets = step.get('detections', i)
        labels = dets.get('labels', [])
        drawn = canvas.draw_boxes(panel, dets['boxes'],
                                  [canvas.class_colour(lab)
                                   for lab in labels], 2, scale)
        for box, label, score in zip(dets['boxes'], labels,
                                     dets.get('scores', [])):
            canvas.put_label(panel, f'{step.class_name(label)} {score:.2f}',
                             box[0] * scale,
                             box[1] * scale - canvas.LINE_HEIGHT,
                             canvas.class_colour(label))
        if not dets['total']:
            return f'image {i}: no detection kept (none above score_thr)', 0
        return (f'image {i}: best {len(dets["boxes"])} of {dets["total"]} '
                f'detections', drawn)

    return _panels(step, max_side, draw)


def _masks(step, max_side):

    def draw(panel, i, scale):
        dets = step.get('masks', i)
        colours = [canvas.class_colour(lab) for lab in dets.get('labels', [])]
        for box, rows, colour in zip(dets['boxes'], dets.get('masks', []),
                                     colours):
            paste(panel, box, rows, scale, colour)
        drawn = canvas.draw_boxes(panel, dets['boxes'], colours, 1, scale)
        if not dets['total']:
            return f'image {i}: no detection, no mask', 0
        return (f'image {i}: masks of the best {len(dets["boxes"])} of '
                f'{dets["total"]} detections', drawn)

    return _panels(step, max_side, draw)


# anchors ---------------------------------------------------------------------
def _anchors(step, max_side):
    """The base anchors centred on the first image, everything at one
    scale: the canvas holds the image and the largest anchor."""
    base = step.get('base anchors', 0)
    boxes = np.array(base['boxes'], dtype=np.float64).reshape(-1, 4)
    levels = base.get('levels', [])
    image = step.images[0]
    height, width = image.shape[:2]
    centred = boxes + [width / 2, height / 2, width / 2, height / 2]
    left = min(0.0, centred[:, 0].min()) if len(boxes) else 0.0
    top = min(0.0, centred[:, 1].min()) if len(boxes) else 0.0
    right = max(width, centred[:, 2].max()) if len(boxes) else width
    bottom = max(height, centred[:, 3].max()) if len(boxes) else height
    scale = min(1.0, max_side / max(right - left, bottom - top))
    frame = np.full((int(np.ceil((bottom - top) * scale)) + 1,
                     int(np.ceil((right - left) * scale)) + 1, 3), 235,
                    np.uint8)
    shown, _ = canvas.fitted(image, max(height, width) * scale)
    x0, y0 = int(round(-left * scale)), int(round(-top * scale))
    frame[y0:y0 + shown.shape[0], x0:x0 + shown.shape[1]] = (
        shown // 2 + 64)  # dimmed, so that the anchors stand out
    drawn = canvas.draw_boxes(
        frame, (centred - [left, top, left, top]).tolist(),
        [canvas.level_colour(lv) for lv in levels], 2, scale)
    entries = []
    strides = dict(zip(sorted(set(levels)), base.get('strides', [])))
    for level in sorted(set(levels)):
        sizes = ', '.join(
            f'{x2 - x1:.0f}x{y2 - y1:.0f}'
            for (x1, y1, x2, y2), lv in zip(base['boxes'], levels)
            if lv == level)
        stride = strides.get(level)
        entries.append((canvas.level_colour(level),
                        f'P{level}' + (f' stride {stride}' if stride else '')
                        + f': {sizes}'))
    text = (f'A = {len(boxes) // max(len(set(levels)), 1)} anchors per '
            f'location, centred on image 0 ({width} x {height})')
    width = max(frame.shape[1], LEGEND_WIDTH)
    picture = canvas.stack([canvas.caption([text], width), frame])
    return canvas.stack([picture, canvas.legend(entries, width)]), drawn


_DRAWERS = dict(input=_input, anchors=_anchors, rpn_targets=_rpn_targets,
                proposals=_proposals, roi_samples=_roi_samples,
                detections=_detections, mask_targets=mask_targets,
                masks=_masks, cascade_positives=cascade_positives,
                cascade_refinement=cascade_refinement)
