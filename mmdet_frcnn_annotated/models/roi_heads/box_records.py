"""What the annotated RoI heads record of their box branch, for one
extractor and one box head: shared by ``StandardRoIHead`` (one of each)
and ``CascadeRoIHead`` (one of each per stage).

``where(family)`` gives the stage path a family records under: the
standard head's ``'roi_head/rois'`` (or OHEM's
``'roi_head/hard_examples/0/rois'``), the cascade's
``'roi_head/rois/s1'``.
"""
from ...knowledge.symbols import level_of_stride


def rois_to_watch(rec, rois, rows, where, extractor, head, origin,
                  shared_head=None):
    """Record the rois and their levels; return the layers to watch
    (:func:`~...runtime.observers.observe_modules`): the extractor's
    output, the shared head's (C4) and the box head's shared FCs."""
    rec.tensor(where('rois'), 'rois (batch index, x1, y1, x2, y2)', rois,
               [rows, 5], origin)
    record_roi_levels(rec, rois, extractor, where('bbox_roi_extractor'),
                      rows)
    size = extractor.roi_layers[0].output_size
    feat_shape = [rows, extractor.out_channels, size[0], size[1]]
    watched = [(extractor, where('bbox_roi_extractor'),
                'bbox_feats (RoIAlign)', feat_shape, 'output')]
    if shared_head is not None:  # C4: ResNet's last stage on each roi
        watched.append(shared_head_watch(shared_head, head, where, rows,
                                         size))
    for index, fc in enumerate(getattr(head, 'shared_fcs', [])):
        if index == 0:
            watched.append((fc, where('bbox_head'), 'flattened', [
                rows, f'{extractor.out_channels}*{size[0]}*{size[1]}'
            ], 'input'))
        watched.append((fc, where('bbox_head'), f'shared_fcs[{index}]',
                        [rows, fc.out_features], 'output'))
    return watched


def shared_head_watch(shared_head, head, where, rows, size):
    """The shared head's output: (rows, c, ceil(s / stride), ...) for
    RoI features of s x s, c the channels the box head takes."""
    layer = getattr(shared_head,
                    f'layer{getattr(shared_head, "stage", 3) + 1}', None)
    stride = getattr(next(iter(layer)), 'stride', 1) if layer else 1
    return (shared_head, where('shared_head'), 'bbox_feats (shared head)', [
        rows, head.in_channels, f'ceil({size[0]}/{stride})',
        f'ceil({size[1]}/{stride})'
    ], 'output')


def record_roi_levels(rec, rois, extractor, stage, rows):
    """The FPN level ``map_roi_levels`` gives each roi, and their counts;
    nothing for an extractor that pools every roi on every level (GRoIE's
    ``GenericRoIExtractor``)."""
    if not hasattr(extractor, 'map_roi_levels'):
        return
    num_levels = len(extractor.featmap_strides)
    target_lvls = extractor.map_roi_levels(rois, num_levels)
    origin = (extractor, 'map_roi_levels')
    rec.tensor(stage, 'target level per roi', target_lvls, [rows], origin)

    def per_level():
        counts = target_lvls.bincount(minlength=num_levels).tolist()
        return {
            f'P{level_of_stride(stride)}': count
            for stride, count in zip(extractor.featmap_strides, counts)
        }

    rec.stats(stage, 'rois per level', per_level, origin)


def record_head_outputs(rec, stage, head, bbox_results, rows):
    """The box head's class scores and box deltas."""
    deltas = '4' if head.reg_class_agnostic else '4*C'
    rec.tensor(stage, 'cls_score', bbox_results['cls_score'], [rows, 'C+1'],
               (head, 'forward'))
    rec.tensor(stage, 'bbox_pred', bbox_results['bbox_pred'], [rows, deltas],
               (head, 'forward'))


def record_box_targets(rec, stage, head, bbox_targets, rows):
    """The targets ``get_targets`` gives each sampled roi."""
    labels, label_weights, targets, target_weights = bbox_targets
    origin = (head, 'get_targets')
    rec.tensor(stage, 'labels', labels, [rows], origin)
    rec.tensor(stage, 'label_weights', label_weights, [rows], origin)
    rec.tensor(stage, 'bbox_targets', targets, [rows, 4], origin)
    rec.tensor(stage, 'bbox_weights', target_weights, [rows, 4], origin)
    background = head.num_classes
    rec.stats(
        stage, 'label values', lambda: {
            'foreground (0..C-1)': int((labels < background).sum()),
            f'background (= C = {background})':
            int((labels == background).sum()),
        }, origin)
