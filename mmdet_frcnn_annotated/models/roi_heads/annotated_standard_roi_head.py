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

from ...knowledge.symbols import level_of_stride
from ...registry import register
from ...runtime.boxes import LIMITS, box_values
from ...runtime.observers import (ObservedAssigner, ObservedSampler,
                                  observe_modules)
from ...runtime.recorder import get_recorder
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
            watched = self._record_rois(rec, rois, prefix, rows)
        with observe_modules(rec, watched):
            bbox_results = super()._bbox_forward(x, rois)
        head = self.bbox_head
        deltas = '4' if head.reg_class_agnostic else '4*C'
        rec.tensor(f'{prefix}/bbox_head', 'cls_score',
                   bbox_results['cls_score'], [rows, 'C+1'],
                   (head, 'forward'))
        rec.tensor(f'{prefix}/bbox_head', 'bbox_pred',
                   bbox_results['bbox_pred'], [rows, deltas],
                   (head, 'forward'))
        return bbox_results

    def _record_rois(self, rec, rois, prefix='roi_head', rows='R'):
        """Record the rois and their levels; the layers to watch."""
        extractor, head = self.bbox_roi_extractor, self.bbox_head
        origin = bbox2roi if self.training else (self, 'simple_test_bboxes')
        rec.tensor(f'{prefix}/rois', 'rois (batch index, x1, y1, x2, y2)',
                   rois, [rows, 5], origin)
        self._record_roi_levels(rec, rois, f'{prefix}/bbox_roi_extractor',
                                rows)
        size = extractor.roi_layers[0].output_size
        feat_shape = [rows, extractor.out_channels, size[0], size[1]]
        watched = [(extractor, f'{prefix}/bbox_roi_extractor',
                    'bbox_feats (RoIAlign)', feat_shape, 'output')]
        if self.with_shared_head:  # C4: ResNet's last stage on each roi
            watched.append(self._shared_head_watch(prefix, rows, size))
        for index, fc in enumerate(getattr(head, 'shared_fcs', [])):
            if index == 0:
                watched.append(
                    (fc, f'{prefix}/bbox_head', 'flattened', [
                        rows,
                        f'{extractor.out_channels}*{size[0]}*{size[1]}'
                    ], 'input'))
            watched.append((fc, f'{prefix}/bbox_head', f'shared_fcs[{index}]',
                            [rows, fc.out_features], 'output'))
        return watched

    def _shared_head_watch(self, prefix, rows, size):
        """The shared head's output: (rows, c, ceil(s / stride), ...) for
        RoI features of s x s, c the channels the box head takes."""
        head = self.shared_head
        layer = getattr(head, f'layer{getattr(head, "stage", 3) + 1}', None)
        stride = getattr(next(iter(layer)), 'stride', 1) if layer else 1
        return (head, f'{prefix}/shared_head', 'bbox_feats (shared head)', [
            rows, self.bbox_head.in_channels, f'ceil({size[0]}/{stride})',
            f'ceil({size[1]}/{stride})'
        ], 'output')

    def _record_roi_levels(self, rec, rois, stage='roi_head/'
                           'bbox_roi_extractor', rows='R'):
        extractor = self.bbox_roi_extractor
        num_levels = len(extractor.featmap_strides)
        target_lvls = extractor.map_roi_levels(rois, num_levels)
        origin = (extractor, 'map_roi_levels')
        rec.tensor(stage, 'target level per roi', target_lvls, [rows],
                   origin)

        def per_level():
            counts = target_lvls.bincount(minlength=num_levels).tolist()
            return {
                f'P{level_of_stride(stride)}': count
                for stride, count in zip(extractor.featmap_strides, counts)
            }

        rec.stats(stage, 'rois per level', per_level, origin)

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
            self._record_target_tensors(rec, bbox_targets)

    def _record_target_tensors(self, rec, bbox_targets):
        labels, label_weights, targets, target_weights = bbox_targets
        origin = (self.bbox_head, 'get_targets')
        stage = 'roi_head/targets'
        rec.tensor(stage, 'labels', labels, ['R'], origin)
        rec.tensor(stage, 'label_weights', label_weights, ['R'], origin)
        rec.tensor(stage, 'bbox_targets', targets, ['R', 4], origin)
        rec.tensor(stage, 'bbox_weights', target_weights, ['R', 4], origin)
        background = self.bbox_head.num_classes
        rec.stats(
            stage, 'label values', lambda: {
                'foreground (0..C-1)': int((labels < background).sum()),
                f'background (= C = {background})':
                int((labels == background).sum()),
            }, origin)

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
