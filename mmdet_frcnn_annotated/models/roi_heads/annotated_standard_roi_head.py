"""StandardRoIHead that records sampling, RoI features, the box head,
its targets and losses, and the detections of the test path.

Glossary: N images; C classes; K_i proposals of image i; G_i ground-truth
boxes; Pr_i, Qr_i sampled positive and negative rois of image i; R rois of
the batch: sum_i (Pr_i + Qr_i) in training, N * max_i K_i in testing (the
test path pads every image's proposals to the longest); Oh_k rois of OHEM's
k-th hard-example forward; D_i detections of image i.
"""
from mmdet.core import bbox2roi
from mmdet.models.builder import HEADS
from mmdet.models.roi_heads import StandardRoIHead

from ...registry import register
from ...runtime.boxes import LIMITS, box_values
from ...runtime.observers import (ObservedAssigner, ObservedSampler,
                                  observe_modules)
from ...runtime.recorder import get_recorder
from .box_records import (record_box_targets, record_head_outputs,
                          rois_to_watch)
from .mask_branch import MaskBranchRecording


@register(HEADS)
class AnnotatedStandardRoIHead(MaskBranchRecording, StandardRoIHead):
    """``StandardRoIHead`` with a shape trace, recorded under ``roi_head/``
    (the mask branch of Mask R-CNN by :class:`.MaskBranchRecording`)."""

    def init_assigner_sampler(self):
        super().init_assigner_sampler()
        if self.bbox_assigner is not None:
            self.bbox_assigner = ObservedAssigner(
                self.bbox_assigner, 'roi_head/sampling', 'K', False)
        if hasattr(self.bbox_sampler, 'pos_fraction'):
            self.bbox_sampler = ObservedSampler(self.bbox_sampler,
                                                'roi_head/sampling', 'r')

    # shared by training and testing ---------------------------------------
    def _bbox_forward(self, x, rois):
        rec = get_recorder()
        if rec is None:
            return super()._bbox_forward(x, rois)
        prefix, rows = 'roi_head', 'R'
        if rec.sampling:
            # called by the sampler: OHEM scores every positive (or negative)
            # candidate of an image to keep the hardest ones
            index = rec.next_index('roi_head/hard_examples')
            prefix, rows = f'roi_head/hard_examples/{index}', f'Oh_{index}'
            rec.bind(**{rows: rois.shape[0]})
        watched = []
        with rec.guard(f'{prefix}/bbox_roi_extractor'):
            watched = rois_to_watch(
                rec, rois, rows, lambda family: f'{prefix}/{family}',
                self.bbox_roi_extractor, self.bbox_head,
                bbox2roi if self.training else (self, 'simple_test_bboxes'),
                self.shared_head if self.with_shared_head else None)
        with observe_modules(rec, watched):
            bbox_results = super()._bbox_forward(x, rois)
        record_head_outputs(rec, f'{prefix}/bbox_head', self.bbox_head,
                            bbox_results, rows)
        return bbox_results

    # training ----------------------------------------------------------------
    def _bbox_forward_train(self, x, sampling_results, gt_bboxes, gt_labels,
                            img_metas):
        """As ``StandardRoIHead._bbox_forward_train``; each
        ``self._record_*`` call only records."""
        rec = get_recorder()
        if rec is None:
            return super()._bbox_forward_train(x, sampling_results, gt_bboxes,
                                               gt_labels, img_metas)
        self._record_roi_count(rec, len(sampling_results))
        rois = bbox2roi([res.bboxes for res in sampling_results])
        bbox_results = self._bbox_forward(x, rois)
        bbox_targets = self.bbox_head.get_targets(sampling_results, gt_bboxes,
                                                  gt_labels, self.train_cfg)
        self._record_targets(rec, bbox_targets)
        loss_bbox = self.bbox_head.loss(bbox_results['cls_score'],
                                        bbox_results['bbox_pred'], rois,
                                        *bbox_targets)
        self._record_losses(rec, loss_bbox)
        bbox_results.update(loss_bbox=loss_bbox)
        return bbox_results

    def _record_roi_count(self, rec, num_imgs):
        """Binds R = sum_i (Pr_i + Qr_i), the sampled rois of the batch."""
        with rec.guard('roi_head/rois'):
            symbols = rec.symbols
            rec.bind(R=sum(
                symbols.get(f'Pr_{i}', 0) + symbols.get(f'Qr_{i}', 0)
                for i in range(num_imgs)))

    def _record_losses(self, rec, loss_bbox):
        for name, value in loss_bbox.items():
            rec.tensor('roi_head/loss', name, value,
                       [1] if name == 'acc' else [],
                       (self.bbox_head, 'loss'))

    def _record_targets(self, rec, bbox_targets):
        with rec.guard('roi_head/targets'):
            record_box_targets(rec, 'roi_head/targets', self.bbox_head,
                               bbox_targets, 'R')

    # testing -----------------------------------------------------------------
    def simple_test_bboxes(self, x, img_metas, proposals, rcnn_test_cfg,
                           rescale=False):
        rec = get_recorder()
        if rec is None:
            return super().simple_test_bboxes(x, img_metas, proposals,
                                              rcnn_test_cfg, rescale)
        if isinstance(proposals, list):
            rec.bind(R=len(proposals) * max(p.size(0) for p in proposals))
        det_bboxes, det_labels = super().simple_test_bboxes(
            x, img_metas, proposals, rcnn_test_cfg, rescale)
        origin = (self.bbox_head, 'get_bboxes')
        for i, (bboxes, labels) in enumerate(zip(det_bboxes, det_labels)):
            stage = f'roi_head/detections/img{i}'
            rec.bind(**{f'D_{i}': bboxes.shape[0]})
            rec.tensor(stage, 'det_bboxes (x1, y1, x2, y2, score)', bboxes,
                       [f'D_{i}', 5], origin)
            rec.tensor(stage, 'det_labels', labels, [f'D_{i}'], origin)
            rec.boxes(
                stage, 'detections', lambda i=i, bboxes=bboxes, labels=labels:
                self._detections_to_draw(i, bboxes, labels, img_metas[i],
                                         rescale), origin)
            rec.stats(
                stage, 'detections', lambda bboxes=bboxes: {
                    'kept': bboxes.shape[0],
                    'max_per_img': rcnn_test_cfg.max_per_img,
                    'score_thr': rcnn_test_cfg.score_thr,
                }, origin)
        return det_bboxes, det_labels

    def _detections_to_draw(self, i, bboxes, labels, img_meta, rescale):
        """The best detections of image i in the network input's
        coordinates (``rescale`` maps them back to the original image)."""
        boxes = bboxes[:LIMITS['detections'], :4]
        if rescale:
            boxes = boxes * boxes.new_tensor(img_meta['scale_factor'])
        scores = bboxes[:, 4] if bboxes.shape[1] > 4 else []  # (0, 4): empty
        values = box_values(i, boxes, scores=scores, labels=labels)
        values['total'] = bboxes.shape[0]
        return values
