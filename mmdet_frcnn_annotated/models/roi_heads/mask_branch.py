"""The mask branch of an annotated ``StandardRoIHead`` (Mask R-CNN).

Glossary: Rm mask rois of the batch: the positive rois in training
(sum_i Pr_i), the only rois the mask head sees, and the detections at test
time (sum_i D_i); S x S the size of the mask rois' features; the mask
head's output and the targets have the size ``mask_size`` of the config.

Only records: every method calls mmdet's in the same order with the same
arguments, so losses and masks are mmdet's.
"""
from torch.nn.modules.utils import _pair

from ...runtime.boxes import LIMITS, box_values, crop_rows, mask_rows, spread
from ...runtime.recorder import get_recorder

# The grid a predicted mask is kept on for the picture.
MASK_GRID = 28


class MaskBranchRecording:
    """Mixin for an annotated ``StandardRoIHead`` with a mask head; records
    under ``roi_head/mask_*`` and ``roi_head/masks``."""

    # training ----------------------------------------------------------------
    def _mask_forward_train(self, x, sampling_results, bbox_feats, gt_masks,
                            img_metas):
        rec = get_recorder()
        if rec is None:
            return super()._mask_forward_train(x, sampling_results,
                                               bbox_feats, gt_masks,
                                               img_metas)
        with rec.guard('roi_head/mask_rois'):
            rec.bind(Rm=sum(res.pos_bboxes.shape[0]
                            for res in sampling_results))
        results = super()._mask_forward_train(x, sampling_results, bbox_feats,
                                              gt_masks, img_metas)
        head = self.mask_head
        with rec.guard('roi_head/mask_targets'):
            height, width = _pair(self.train_cfg.mask_size)
            rec.tensor('roi_head/mask_targets', 'mask_targets',
                       results['mask_targets'], ['Rm', height, width],
                       (head, 'get_targets'))
        self._record_target_pictures(rec, sampling_results,
                                     results['mask_targets'])
        # mask_cross_entropy returns (1,); with no positive roi mmdet sums
        # the empty prediction instead, a ()
        loss_shape = [1] if rec.symbols.get('Rm') else []
        for name, value in results['loss_mask'].items():
            rec.tensor('roi_head/mask_loss', name, value, loss_shape,
                       (head, 'loss'))
        return results

    def _record_target_pictures(self, rec, sampling_results, mask_targets):
        """A few positive rois of each image with their mask targets, for
        the picture; their rows in ``mask_targets`` follow the positives,
        image after image."""
        origin = (self.mask_head, 'get_targets')
        start = 0
        for i, res in enumerate(sampling_results):
            count = res.pos_bboxes.shape[0]
            if count:
                rec.boxes(
                    'roi_head/mask_targets', 'mask targets',
                    lambda i=i, res=res, start=start, count=count:
                    target_values(i, res, mask_targets[start:start + count]),
                    origin)
            start += count

    # shared by training and testing ----------------------------------------
    def _mask_forward(self, x, rois=None, pos_inds=None, bbox_feats=None):
        rec = get_recorder()
        if rec is None or rec.sampling:
            return super()._mask_forward(x, rois, pos_inds, bbox_feats)
        rows = 'Rm'
        origin = (self, '_mask_forward')
        if rois is not None:
            rec.tensor('roi_head/mask_rois',
                       'mask_rois (batch index, x1, y1, x2, y2)', rois,
                       [rows, 5], origin)
        results = super()._mask_forward(x, rois, pos_inds, bbox_feats)
        with rec.guard('roi_head/mask_head'):
            feat = self._mask_feat_size(rois is None)
            rec.tensor('roi_head/mask_roi_extractor', 'mask_feats',
                       results['mask_feats'],
                       [rows, self.mask_head.in_channels, feat[0], feat[1]],
                       origin)
            head = self.mask_head
            classes = 1 if head.class_agnostic else 'C'
            out = [
                f'{head.scale_factor}*{size}'
                if head.upsample_method and head.scale_factor else size
                for size in feat
            ]
            rec.tensor('roi_head/mask_head', 'mask_pred',
                       results['mask_pred'], [rows, classes, out[0], out[1]],
                       (head, 'forward'))
        return results

    def _mask_feat_size(self, shared):
        """(height, width) of the mask head's input: the mask extractor's
        output, or the box extractor's when the two are shared, reduced by
        the shared head's stride when there is one (C4)."""
        extractor = (self.bbox_roi_extractor
                     if shared else self.mask_roi_extractor)
        size = list(extractor.roi_layers[0].output_size)
        if self.with_shared_head:
            head = self.shared_head
            layer = getattr(head, f'layer{getattr(head, "stage", 3) + 1}')
            stride = getattr(next(iter(layer)), 'stride', 1)
            size = [f'ceil({s}/{stride})' for s in size]
        return size

    # testing -----------------------------------------------------------------
    def simple_test_mask(self, x, img_metas, det_bboxes, det_labels,
                         rescale=False):
        rec = get_recorder()
        if rec is None:
            return super().simple_test_mask(x, img_metas, det_bboxes,
                                            det_labels, rescale)
        with rec.guard('roi_head/mask_rois'):
            rec.bind(Rm=sum(boxes.shape[0] for boxes in det_bboxes))
        segm_results = super().simple_test_mask(x, img_metas, det_bboxes,
                                                det_labels, rescale)
        threshold = self.test_cfg.get('mask_thr_binary', None)
        for i, per_class in enumerate(segm_results):
            rec.stats(
                f'roi_head/masks/img{i}', 'masks', lambda per_class=per_class,
                i=i: {
                    'masks': sum(len(masks) for masks in per_class),
                    'image size (h, w)': list(img_metas[i]['ori_shape'][:2])
                    if rescale else list(img_metas[i]['img_shape'][:2]),
                    'mask_thr_binary': threshold,
                }, (self.mask_head, 'get_seg_masks'))
            rec.boxes(
                f'roi_head/masks/img{i}', 'masks',
                lambda i=i, per_class=per_class: mask_values(
                    i, det_bboxes[i], det_labels[i], per_class, img_metas[i],
                    rescale), (self.mask_head, 'get_seg_masks'))
        return segm_results


def target_values(i, result, targets):
    """The ``boxes`` record of image ``i``: some of its positive rois,
    spread over them, with their labels and their mask targets."""
    keep = spread(result.pos_bboxes.shape[0], LIMITS['mask_targets'])
    keep_t = result.pos_bboxes.new_tensor(keep).long()
    values = box_values(i, result.pos_bboxes[keep_t],
                        labels=result.pos_gt_labels[keep_t])
    values['masks'] = [mask_rows(targets[k]) for k in keep.tolist()]
    values['total'] = int(result.pos_bboxes.shape[0])
    return values


def mask_values(i, bboxes, labels, per_class, img_meta, rescale):
    """The ``boxes`` record of image ``i``'s best detections with their
    masks, each cut to its box on a grid of :data:`MASK_GRID`; boxes in
    the network input's coordinates, as the detections picture has them.
    ``get_seg_masks`` grouped the masks by class in detection order."""
    keep = min(LIMITS['detections'], int(bboxes.shape[0]))
    boxes = bboxes[:keep, :4]
    values = box_values(
        i, boxes * boxes.new_tensor(img_meta['scale_factor'])
        if rescale else boxes, labels=labels[:keep])
    seen, masks = {}, []
    for box, label in zip(boxes.tolist(), labels[:keep].tolist()):
        index = seen.get(label, 0)
        seen[label] = index + 1
        masks.append(crop_rows(per_class[label][index], box, MASK_GRID))
    values['masks'] = masks
    values['total'] = int(bboxes.shape[0])
    return values
