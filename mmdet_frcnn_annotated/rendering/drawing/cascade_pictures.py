"""The pictures of Cascade R-CNN, from the ``boxes`` records its stages
leave:

- ``cascade_positives`` (a training step): image 0 once per stage, with
  the ground truth and the positive RoIs that stage sampled, its IoU
  threshold in the caption; the thresholds rise from stage to stage and
  the candidates are the boxes the stage before refined;
- ``cascade_refinement`` (a test step): one proposal of image 0, the one
  whose averaged score is best, as every stage received it and as the
  last stage's deltas leave it, each box in its own colour, with the score
  each stage gave the box's class.
"""
from . import canvas

# The narrowest a picture is drawn, so that its caption and legend fit.
MIN_WIDTH = 360
# Colours of the successive boxes of one roi: the proposal, then the box
# after each stage.
STEP_COLOURS = [(150, 150, 150), (230, 130, 30), (40, 190, 60),
                (20, 140, 250), (200, 60, 200), (60, 200, 220)]


def cascade_positives(step, max_side):
    """``(picture, boxes drawn)``: one panel of image 0 per stage."""
    stages = sorted(step.staged('positive rois', 0))
    image = step.images[0]
    panels, total = [], 0
    gt = step.get('ground truth', 0)
    for stage in stages:
        positives = step.staged('positive rois', 0)[stage]
        panel, scale = canvas.fitted(image, max_side)
        drawn = canvas.draw_boxes(panel, gt['boxes'], canvas.GROUND_TRUTH,
                                  2, scale)
        drawn += canvas.draw_boxes(panel, positives['boxes'],
                                   canvas.POSITIVE, 1, scale)
        total += drawn
        threshold = positives.get('pos_iou_thr')
        iou = f'IoU >= {threshold}: ' if threshold is not None else ''
        from_gt = sum(positives.get('is_gt', []))
        text = (f'stage {stage}, image 0: {iou}{positives["total"]} '
                f'positives ({from_gt} are ground truth)')
        panels.append(canvas.stack(
            [canvas.caption([text], panel.shape[1]), panel]))
    picture = canvas.side_by_side(panels)
    width = max(picture.shape[1], MIN_WIDTH)
    return canvas.stack([picture, canvas.legend(
        [(canvas.POSITIVE, 'positive RoIs of the stage'),
         (canvas.GROUND_TRUTH, 'ground truth (white)')], width)]), total


def cascade_refinement(step, max_side):
    """``(picture, boxes drawn)``: the boxes of one roi over image 0."""
    record = step.get('one roi refined', 0)
    boxes = record.get('boxes', [])
    panel, scale = canvas.fitted(step.images[0], max_side)
    colours = [STEP_COLOURS[k % len(STEP_COLOURS)] for k in range(len(boxes))]
    drawn = 0
    for box, colour in zip(boxes, colours):
        drawn += canvas.draw_boxes(panel, [box], colour, 2, scale)
    label = record.get('label')
    scores = record.get('stage_scores', [])
    if boxes:
        text = (f'image 0, {step.class_name(label)}: stage scores '
                f'{", ".join(f"{s:.2f}" for s in scores)}; mean of the '
                f'logits gives {record.get("mean_score", 0):.2f}')
    else:
        text = 'image 0 has no proposal'
    entries = [(colour, 'proposal (stage 0 input)' if k == 0 else
                f'after stage {k - 1}' if k < len(boxes) - 1 else
                f'final: stage {k - 1} deltas')
               for k, colour in enumerate(colours)]
    width = max(panel.shape[1], MIN_WIDTH)
    picture = canvas.stack([canvas.caption([text], width), panel])
    return canvas.stack([picture, canvas.legend(entries, width)]), drawn
