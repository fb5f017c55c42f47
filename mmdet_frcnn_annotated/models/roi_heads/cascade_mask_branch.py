"""The mask branch of an annotated ``CascadeRoIHead`` (Cascade Mask R-CNN):
one mask head per stage, each trained on its stage's positive rois; at
test time every stage's mask head predicts on the final detections and
``merge_aug_masks`` averages their sigmoids.

Glossary: Rms mask rois of stage s in training, its positives
(sum_i Prs_i); Rm the detections of the batch on the test path
(sum_i D_i), the same rois for every stage.

Only records; the mask targets of a stage, which mmdet's
``_mask_forward_train`` keeps to itself, are computed again from the same
inputs (on a traced step only) to check their shape and draw them.
"""
import torch
from torch.nn.modules.utils import _pair

from ...runtime.boxes import by_score
from ...runtime.observers import observe_modules
from ...runtime.recorder import get_recorder
from .mask_branch import mask_values, target_values


class CascadeMaskRecording:
    """Mixin for the annotated ``CascadeRoIHead``; records under
    ``roi_head/mask_*/s<s>`` and ``roi_head/masks``."""

    def _mask_forward_train(self, stage, x, sampling_results, gt_masks,
                            rcnn_train_cfg, bbox_feats=None):
        rec = get_recorder()
        if rec is None:
            return super()._mask_forward_train(stage, x, sampling_results,
                                               gt_masks, rcnn_train_cfg,
                                               bbox_feats)
        with rec.guard(f'roi_head/mask_rois/s{stage}'):
            rec.bind(**{
                f'Rm{stage}':
                sum(res.pos_bboxes.shape[0] for res in sampling_results)
            })
        results = super()._mask_forward_train(stage, x, sampling_results,
                                              gt_masks, rcnn_train_cfg,
                                              bbox_feats)
        with rec.guard(f'roi_head/mask_targets/s{stage}'):
            self._record_mask_targets(rec, stage, sampling_results, gt_masks,
                                      rcnn_train_cfg)
        return results

    def _record_mask_targets(self, rec, stage, sampling_results, gt_masks,
                             rcnn_train_cfg):
        head = self.mask_head[stage]
        targets = head.get_targets(sampling_results, gt_masks,
                                   rcnn_train_cfg)
        height, width = _pair(rcnn_train_cfg.mask_size)
        where = f'roi_head/mask_targets/s{stage}'
        origin = (head, 'get_targets')
        rec.tensor(where, 'mask_targets', targets,
                   [f'Rm{stage}', height, width], origin)
        if stage:  # the picture shows the first stage's targets
            return
        start = 0
        for i, res in enumerate(sampling_results):
            count = res.pos_bboxes.shape[0]
            if count:
                rec.boxes(
                    where, 'mask targets',
                    lambda i=i, res=res, start=start, count=count:
                    target_values(i, res, targets[start:start + count]),
                    origin)
            start += count

    def _mask_forward(self, stage, x, rois):
        rec = get_recorder()
        if rec is None:
            return super()._mask_forward(stage, x, rois)
        if self.training:
            rows = f'Rm{stage}'
        else:
            rows = 'Rm'
            with rec.guard('roi_head/mask_rois'):
                rec.bind(Rm=rois.shape[0])  # checked against sum_i D_i
                self._kept_mask_rois = rois
        rec.tensor(f'roi_head/mask_rois/s{stage}',
                   'mask_rois (batch index, x1, y1, x2, y2)', rois,
                   [rows, 5], (self, '_mask_forward'))
        head = self.mask_head[stage]
        extractor = self.mask_roi_extractor[stage]
        watched = []
        with rec.guard(f'roi_head/mask_roi_extractor/s{stage}'):
            size = list(extractor.roi_layers[0].output_size)
            watched = [(extractor, f'roi_head/mask_roi_extractor/s{stage}',
                        'mask_feats', [rows, head.in_channels] + size,
                        'output')]
        with observe_modules(rec, watched):
            results = super()._mask_forward(stage, x, rois)
        with rec.guard(f'roi_head/mask_head/s{stage}'):
            classes = 1 if head.class_agnostic else 'C'
            out = [
                f'{head.scale_factor}*{s}'
                if head.upsample_method and head.scale_factor else s
                for s in size
            ]
            rec.tensor(f'roi_head/mask_head/s{stage}', 'mask_pred',
                       results['mask_pred'], [rows, classes] + out,
                       (head, 'forward'))
        return results

    def _record_mask_rois(self, rec, num_imgs):
        """The check that the test path's mask rois were the detections of
        the batch, once every D_i is bound."""
        rois = getattr(self, '_kept_mask_rois', None)
        if rois is not None:
            count = ' + '.join(f'D_{i}' for i in range(num_imgs))
            rec.tensor('roi_head/mask_rois', 'mask_rois of the detections',
                       rois, [count, 5], (self, 'simple_test'))

    def _record_masks(self, rec, i, result, dets, labels, img_meta,
                      rescale):
        """Image i's masks (test path)."""
        if not isinstance(result, tuple):
            return
        per_class = result[1]
        head = self.mask_head[-1]
        threshold = self.test_cfg.get('mask_thr_binary', None)
        where = f'roi_head/masks/img{i}'
        rec.stats(
            where, 'masks', lambda: {
                'masks': sum(len(masks) for masks in per_class),
                'image size (h, w)': list(img_meta['ori_shape'][:2])
                if rescale else list(img_meta['img_shape'][:2]),
                'mask_thr_binary': threshold,
                'stages averaged': self.num_stages,
            }, (head, 'get_seg_masks'))
        order = by_score(dets)
        rec.boxes(
            where, 'masks', lambda: mask_values(
                i, dets[order], torch.from_numpy(labels)[order], per_class,
                img_meta, rescale), (head, 'get_seg_masks'))
