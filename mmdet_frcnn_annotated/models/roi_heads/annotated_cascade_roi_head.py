"""CascadeRoIHead that records every stage of the cascade: its sampling, its
rois, its box head, its targets and losses, the refinement that gives the
next stage its candidates, and on the test path each stage's rois and
scores and the detections of their average.

Glossary (s = 0 .. num_stages - 1, i an image): K_i proposals of image i,
stage 0's candidates; Ks_i (K1_i, K2_i) candidates of stage s >= 1, the
boxes that ``refine_bboxes`` gave back after stage s - 1:
Pr(s-1)_i + Qr(s-1)_i - Pg(s-1)_i; Frs_i, Brs_i, Prs_i, Qrs_i stage s's
foreground and background candidates and sampled positives and negatives
(Fr0_i, ..., as Fr_i is the standard head's); Pgs_i ground-truth boxes
among stage s's positives, which ``refine_bboxes`` drops; Rs rois of stage
s: sum_i (Prs_i + Qrs_i) in training, sum_i K_i on the test path, where
every stage refines every proposal; D_i detections of image i.

Only records: mmdet's ``forward_train`` and ``simple_test`` run as they
are, so losses and detections are mmdet's.
"""
import numpy as np
import torch
from mmdet.core import bbox2roi
from mmdet.models.builder import HEADS
from mmdet.models.roi_heads import CascadeRoIHead

from ...registry import register
from ...runtime.boxes import LIMITS, box_values, by_score
from ...runtime.observers import (ObservedAssigner, ObservedSampler,
                                  observe_modules)
from ...runtime.recorder import get_recorder
from .box_records import (record_box_targets, record_head_outputs,
                          rois_to_watch)
from .cascade_mask_branch import CascadeMaskRecording


def candidates(stage):
    """Symbol of the candidate count of stage ``stage``: ``K`` (the
    proposals) for the first, ``K1``, ``K2``... after a refinement."""
    return f'K{stage}' if stage else 'K'


class RefinedCandidates(ObservedAssigner):
    """The assigner of stage s >= 1: its candidates are the boxes that
    ``refine_bboxes`` of stage s - 1 gave image i, recorded as that
    refinement's output before the assignment is."""

    def __init__(self, assigner, stage, refining_head):
        super().__init__(assigner, f'roi_head/sampling/s{stage}',
                         candidates(stage), False)
        self.cascade_stage = stage
        self.refining_head = refining_head

    def _record(self, rec, bboxes, overlaps, result):
        before = self.cascade_stage - 1
        i = rec.next_index(f'roi_head/refine/s{before}')
        rec.tensor(f'roi_head/refine/s{before}/img{i}',
                   'refined boxes (x1, y1, x2, y2)', bboxes,
                   [f'{self.candidates}_{i}', 4],
                   (self.refining_head, 'refine_bboxes'))
        super()._record(rec, bboxes, overlaps, result)


@register(HEADS)
class AnnotatedCascadeRoIHead(CascadeMaskRecording, CascadeRoIHead):
    """``CascadeRoIHead`` with a shape trace: stage s of the cascade records
    under ``roi_head/<family>/s<s>`` (``roi_head/sampling/s1/img0``), the
    mask branch of Cascade Mask R-CNN by :class:`.CascadeMaskRecording`."""

    def init_assigner_sampler(self):
        super().init_assigner_sampler()
        for s, assigner in enumerate(self.bbox_assigner):
            self.bbox_assigner[s] = RefinedCandidates(
                assigner, s, self.bbox_head[s - 1]) if s else ObservedAssigner(
                    assigner, 'roi_head/sampling/s0', 'K', False)
        for s, sampler in enumerate(self.bbox_sampler):
            if hasattr(sampler, 'pos_fraction'):
                self.bbox_sampler[s] = ObservedSampler(
                    sampler, f'roi_head/sampling/s{s}', f'r{s}',
                    candidates(s), dict(stage=s, pos_iou_thr=getattr(
                        self.bbox_assigner[s], 'pos_iou_thr', None)))

    # shared by training and testing ---------------------------------------
    def _bbox_forward(self, stage, x, rois):
        rec = get_recorder()
        if rec is None or rec.sampling:
            return super()._bbox_forward(stage, x, rois)
        rows = f'R{stage}'
        watched = []
        with rec.guard(f'roi_head/bbox_roi_extractor/s{stage}'):
            watched = rois_to_watch(
                rec, rois, rows, lambda family: f'roi_head/{family}/s{stage}',
                self.bbox_roi_extractor[stage], self.bbox_head[stage],
                bbox2roi if self.training else (self, 'simple_test'))
        with observe_modules(rec, watched):
            bbox_results = super()._bbox_forward(stage, x, rois)
        record_head_outputs(rec, f'roi_head/bbox_head/s{stage}',
                            self.bbox_head[stage], bbox_results, rows)
        kept = getattr(self, '_kept_for_refinement', None)
        if kept is not None:  # the test path: each stage's rois and output
            kept.append((rois, bbox_results['cls_score'],
                         bbox_results['bbox_pred']))
        return bbox_results

    # training ----------------------------------------------------------------
    def forward_train(self, x, img_metas, proposal_list, gt_bboxes,
                      gt_labels, gt_bboxes_ignore=None, gt_masks=None):
        losses = super().forward_train(x, img_metas, proposal_list,
                                       gt_bboxes, gt_labels,
                                       gt_bboxes_ignore, gt_masks)
        rec = get_recorder()
        if rec is not None:
            with rec.guard('roi_head/loss'):
                self._record_losses(rec, losses)
        return losses

    def _record_losses(self, rec, losses):
        """The losses as mmdet returns them: ``s<s>.<name>``, each loss
        already multiplied by ``stage_loss_weights[s]``."""
        for name, value in losses.items():
            stage, _, short = name.partition('.')
            if short == 'loss_mask':
                # mask_cross_entropy gives (1,); with no positive roi mmdet
                # sums the empty prediction instead, a ()
                shape = [1] if rec.symbols.get(f'Rm{stage[1:]}') else []
                family = 'mask_loss'
            else:
                shape, family = ([1] if short == 'acc' else []), 'loss'
            rec.tensor(f'roi_head/{family}/{stage}', name, value, shape,
                       (self, 'forward_train'))
        rec.stats(
            'roi_head/loss', 'stage_loss_weights', lambda: {
                f's{s}': weight
                for s, weight in enumerate(self.stage_loss_weights)
            }, (self, 'forward_train'))

    def _bbox_forward_train(self, stage, x, sampling_results, gt_bboxes,
                            gt_labels, rcnn_train_cfg):
        rec = get_recorder()
        if rec is None:
            return super()._bbox_forward_train(stage, x, sampling_results,
                                               gt_bboxes, gt_labels,
                                               rcnn_train_cfg)
        with rec.guard(f'roi_head/rois/s{stage}'):
            self._bind_stage(rec, stage, sampling_results)
        bbox_results = super()._bbox_forward_train(stage, x,
                                                   sampling_results,
                                                   gt_bboxes, gt_labels,
                                                   rcnn_train_cfg)
        with rec.guard(f'roi_head/targets/s{stage}'):
            record_box_targets(rec, f'roi_head/targets/s{stage}',
                               self.bbox_head[stage],
                               bbox_results['bbox_targets'], f'R{stage}')
        if stage + 1 < self.num_stages:
            with rec.guard(f'roi_head/refine/s{stage}'):
                self._record_refinement(rec, stage, sampling_results)
        return bbox_results

    def _bind_stage(self, rec, stage, sampling_results):
        """R<s>, the sampled rois of stage s, and what the refinement after
        it leaves each image: its rois less the ground truth among its
        positives (Pg<s>_i), the next stage's candidates K<s+1>_i."""
        symbols = rec.symbols
        rec.bind(**{
            f'R{stage}': sum(
                symbols.get(f'Pr{stage}_{i}', 0) +
                symbols.get(f'Qr{stage}_{i}', 0)
                for i in range(len(sampling_results)))
        })
        if stage + 1 >= self.num_stages:
            return
        for i, res in enumerate(sampling_results):
            from_gt = int(res.pos_is_gt.sum())
            rec.bind(**{f'Pg{stage}_{i}': from_gt})
            rec.bind(**{
                f'K{stage + 1}_{i}':
                res.pos_bboxes.shape[0] + res.neg_bboxes.shape[0] - from_gt
            })

    def _record_refinement(self, rec, stage, sampling_results):
        """What ``refine_bboxes`` will keep of each image's rois."""
        for i, res in enumerate(sampling_results):
            rec.stats(
                f'roi_head/refine/s{stage}/img{i}', 'refinement', lambda res=(
                    res), from_gt=rec.symbols.get(f'Pg{stage}_{i}'): {
                        'sampled rois': res.bboxes.shape[0],
                        'ground truth dropped (pos_is_gt)': from_gt,
                        'candidates of the next stage':
                        res.bboxes.shape[0] - from_gt,
                    }, (self.bbox_head[stage], 'refine_bboxes'))

    # testing -----------------------------------------------------------------
    def simple_test(self, x, proposal_list, img_metas, rescale=False):
        rec = get_recorder()
        if rec is None:
            return super().simple_test(x, proposal_list, img_metas, rescale)
        self._kept_for_refinement, self._kept_mask_rois = [], None
        with rec.guard('roi_head/rois'):
            count = sum(len(proposals) for proposals in proposal_list)
            rec.bind(**{f'R{s}': count for s in range(self.num_stages)})
        try:
            results = super().simple_test(x, proposal_list, img_metas,
                                          rescale)
            with rec.guard('roi_head/detections'):
                self._record_detections(rec, results, img_metas, rescale)
            with rec.guard('roi_head/refine'):
                rec.boxes('roi_head/refine', 'one roi refined',
                          lambda: self._one_roi_refined(img_metas[0]),
                          (self, 'simple_test'))
        finally:
            self._kept_for_refinement = None
            self._kept_mask_rois = None
        return results

    def _record_detections(self, rec, results, img_metas, rescale):
        """D_i and the best detections of each image, from the per-class
        arrays ``bbox2result`` made of ``get_bboxes``' output."""
        head = self.bbox_head[-1]
        for i, result in enumerate(results):
            per_class = result[0] if isinstance(result, tuple) else result
            labels = np.concatenate([
                np.full(len(boxes), label, np.int64)
                for label, boxes in enumerate(per_class)
            ])
            dets = torch.from_numpy(np.concatenate(per_class).reshape(-1, 5))
            rec.bind(**{f'D_{i}': dets.shape[0]})
            stage = f'roi_head/detections/img{i}'
            rec.tensor(stage, 'det_bboxes (x1, y1, x2, y2, score)', dets,
                       [f'D_{i}', 5], (head, 'get_bboxes'))
            rec.boxes(stage, 'detections', lambda i=i, dets=dets, labels=(
                labels): self._detections_to_draw(
                    i, dets, torch.from_numpy(labels), img_metas[i],
                    rescale), (head, 'get_bboxes'))
            self._record_masks(rec, i, result, dets, labels, img_metas[i],
                               rescale)
        self._record_mask_rois(rec, len(results))

    @staticmethod
    def _detections_to_draw(i, dets, labels, img_meta, rescale):
        order = by_score(dets)[:LIMITS['detections']]
        boxes = dets[order, :4]
        if rescale:
            boxes = boxes * boxes.new_tensor(img_meta['scale_factor'])
        values = box_values(i, boxes, scores=dets[order, 4],
                            labels=labels[order])
        values['total'] = int(dets.shape[0])
        return values

    def _one_roi_refined(self, img_meta):
        """The roi of image 0 with the best averaged score, as each stage
        took it and as the last stage's deltas leave it, with the score each
        stage gave its class (softmax of that stage's logits)."""
        kept = self._kept_for_refinement
        first = kept[0][0][:, 0] == 0
        if not first.any():
            return {'image': 0, 'boxes': [], 'total': 0}
        mean = sum(score[first] for _, score, _ in kept) / len(kept)
        probs = mean.softmax(-1)
        pick = int(probs[:, :-1].max(-1).values.argmax())
        cls = int(probs[pick, :-1].argmax())
        boxes = [rois[first][pick, 1:] for rois, _, _ in kept]
        rois, _, deltas = kept[-1]
        boxes.append(self.bbox_head[-1].regress_by_class(
            rois[first][pick:pick + 1, 1:], rois.new_tensor([cls]).long(),
            deltas[first][pick:pick + 1], img_meta)[0])
        scores = [float(score[first][pick].softmax(-1)[cls])
                  for _, score, _ in kept]
        values = box_values(0, torch.stack(boxes))
        values.update(label=cls, stage_scores=[round(v, 3) for v in scores],
                      mean_score=round(float(probs[pick, cls]), 3))
        return values
