"""RPNHead that records its shared conv and how proposals are chosen.

Glossary: N images; h_l, w_l size of level l; A anchors per location;
M = sum_l min(h_l*w_l*A, nms_pre) candidates per image after the per-level
top-k; M_i those of image i left by min_bbox_size (M_i = M when it is 0); K_i proposals of image i after NMS and max_per_img.

``AnnotatedRPNHead(RPNHead, AnnotatedAnchorHead)`` puts the instrumented
AnchorHead layer under RPNHead in the MRO, so RPNHead's own methods run and
the anchor, target and loss stages are recorded on the way.
"""
import copy

import torch
from mmcv.ops import batched_nms
from mmdet.models.builder import HEADS
from mmdet.models.dense_heads import RPNHead

from ...registry import register
from ...runtime.boxes import LIMITS, box_values
from ...runtime.recorder import get_recorder
from .annotated_anchor_head import AnnotatedAnchorHead


@register(HEADS)
class AnnotatedRPNHead(RPNHead, AnnotatedAnchorHead):
    """``RPNHead`` with a shape trace, recorded under ``rpn_head/``."""

    trace_scope = 'rpn_head'

    def trace_watched_layers(self, stage, level):
        return [(self.rpn_conv, stage, 'rpn_conv (shared 3x3)',
                 ['N', self.feat_channels, f'h_{level}', f'w_{level}'],
                 'output')]

    def simple_test_rpn(self, x, img_metas):
        """Records the proposals of the test path, (K_i, 5) per image."""
        proposal_list = super().simple_test_rpn(x, img_metas)
        rec = get_recorder()
        if rec is not None:
            for i, proposals in enumerate(proposal_list):
                rec.tensor('rpn_head/proposals', f'proposal_list[{i}]',
                           proposals, [f'K_{i}', 5],
                           (self, 'simple_test_rpn'))
        return proposal_list

    def _get_bboxes(self, cls_scores, bbox_preds, mlvl_anchors, img_shapes,
                    scale_factors, cfg, rescale=False):
        """``RPNHead._get_bboxes`` step by step, with mmdet's variable names;
        each ``self._record_*`` call only records.

        Untraced calls, ONNX export and configs with the deprecated
        ``nms_thr``/``max_num`` keys go to mmdet's own implementation.
        """
        cfg = self.test_cfg if cfg is None else cfg
        rec = get_recorder()
        if (rec is None or torch.onnx.is_in_onnx_export() or 'nms' not in cfg
                or 'max_num' in cfg or 'nms_thr' in cfg):
            return super()._get_bboxes(cls_scores, bbox_preds, mlvl_anchors,
                                       img_shapes, scale_factors, cfg,
                                       rescale)
        cfg = copy.deepcopy(cfg)
        level_ids = []
        mlvl_scores = []
        mlvl_bbox_preds = []
        mlvl_valid_anchors = []
        batch_size = cls_scores[0].shape[0]
        for idx in range(len(cls_scores)):
            # (N, A*1, h, w) -> (N, h, w, A) -> (N, h*w*A)
            rpn_cls_score = cls_scores[idx].permute(0, 2, 3, 1)
            if self.use_sigmoid_cls:
                rpn_cls_score = rpn_cls_score.reshape(batch_size, -1)
                scores = rpn_cls_score.sigmoid()
            else:
                rpn_cls_score = rpn_cls_score.reshape(batch_size, -1, 2)
                scores = rpn_cls_score.softmax(-1)[..., 0]
            self._record_level_scores(rec, idx, 'scores', scores)
            # (N, A*4, h, w) -> (N, h*w*A, 4)
            rpn_bbox_pred = bbox_preds[idx].permute(0, 2, 3, 1).reshape(
                batch_size, -1, 4)
            anchors = mlvl_anchors[idx].expand_as(rpn_bbox_pred)
            if 0 < cfg.nms_pre < scores.shape[-1]:
                ranked_scores, rank_inds = scores.sort(descending=True)
                topk_inds = rank_inds[:, :cfg.nms_pre]
                scores = ranked_scores[:, :cfg.nms_pre]
                batch_inds = torch.arange(batch_size).view(
                    -1, 1).expand_as(topk_inds)
                rpn_bbox_pred = rpn_bbox_pred[batch_inds, topk_inds, :]
                anchors = anchors[batch_inds, topk_inds, :]
            self._record_level_scores(rec, idx, 'scores after nms_pre',
                                      scores, cfg.nms_pre)
            mlvl_scores.append(scores)
            mlvl_bbox_preds.append(rpn_bbox_pred)
            mlvl_valid_anchors.append(anchors)
            level_ids.append(
                scores.new_full((batch_size, scores.size(1)), idx,
                                dtype=torch.long))
        self._record_candidates(rec, cfg.nms_pre)
        batch_mlvl_scores = torch.cat(mlvl_scores, dim=1)
        batch_mlvl_anchors = torch.cat(mlvl_valid_anchors, dim=1)
        batch_mlvl_rpn_bbox_pred = torch.cat(mlvl_bbox_preds, dim=1)
        batch_mlvl_proposals = self.bbox_coder.decode(
            batch_mlvl_anchors, batch_mlvl_rpn_bbox_pred, max_shape=img_shapes)
        batch_mlvl_ids = torch.cat(level_ids, dim=1)
        self._record_batch(rec, batch_mlvl_scores, batch_mlvl_anchors,
                           batch_mlvl_rpn_bbox_pred, batch_mlvl_ids,
                           batch_mlvl_proposals)

        result_list = []
        for i, (mlvl_proposals, mlvl_scores, mlvl_ids) in enumerate(
                zip(batch_mlvl_proposals, batch_mlvl_scores, batch_mlvl_ids)):
            if cfg.min_bbox_size > 0:
                w = mlvl_proposals[:, 2] - mlvl_proposals[:, 0]
                h = mlvl_proposals[:, 3] - mlvl_proposals[:, 1]
                valid_ind = torch.nonzero(
                    (w >= cfg.min_bbox_size)
                    & (h >= cfg.min_bbox_size),
                    as_tuple=False).squeeze()
                if valid_ind.sum().item() != len(mlvl_proposals):
                    mlvl_proposals = mlvl_proposals[valid_ind, :]
                    mlvl_scores = mlvl_scores[valid_ind]
                    mlvl_ids = mlvl_ids[valid_ind]
            self._record_image_candidates(rec, i, mlvl_proposals,
                                          cfg.min_bbox_size)
            dets, keep = batched_nms(mlvl_proposals, mlvl_scores, mlvl_ids,
                                     cfg.nms)
            proposals = dets[:cfg.max_per_img]
            self._record_image_proposals(rec, i, mlvl_ids, dets, keep,
                                         proposals, cfg.max_per_img)
            result_list.append(proposals)
        return result_list

    # recording helpers of _get_bboxes ----------------------------------------
    _STAGE = 'rpn_head/proposals'

    def _kept_per_level(self, level, nms_pre):
        cells = f'h_{level}*w_{level}*A'
        return f'min({cells}, {nms_pre})' if nms_pre > 0 else cells

    def _record_level_scores(self, rec, idx, name, scores, nms_pre=0):
        """(N, h_l*w_l*A) before the top-k, (N, min(h_l*w_l*A, nms_pre))
        after it."""
        level = self.trace_levels[idx]
        rec.tensor(f'{self._STAGE}/P{level}', name, scores,
                   ['N', self._kept_per_level(level, nms_pre)],
                   (self, '_get_bboxes'))

    def _record_candidates(self, rec, nms_pre):
        """Binds M, the candidates per image left after every level's
        top-k."""
        with rec.guard(f'{self._STAGE}/M'):
            rec.bind(M=rec.symbols.evaluate(' + '.join(
                self._kept_per_level(level, nms_pre)
                for level in self.trace_levels)))

    def _record_batch(self, rec, scores, anchors, deltas, level_ids,
                      proposals):
        stage, origin = f'{self._STAGE}/batch', (self, '_get_bboxes')
        rec.tensor(stage, 'scores', scores, ['N', 'M'], origin)
        rec.tensor(stage, 'anchors', anchors, ['N', 'M', 4], origin)
        rec.tensor(stage, 'deltas', deltas, ['N', 'M', 4], origin)
        rec.tensor(stage, 'level ids', level_ids, ['N', 'M'], origin)
        rec.tensor(stage, 'decoded proposals', proposals, ['N', 'M', 4],
                   (self.bbox_coder, 'decode'))

    def _record_image_candidates(self, rec, i, proposals, min_bbox_size):
        if min_bbox_size > 0:
            rec.bind(**{f'M_{i}': proposals.shape[0]})
        rec.tensor(f'{self._STAGE}/img{i}', 'after min_bbox_size', proposals,
                   ['M' if min_bbox_size <= 0 else f'M_{i}', 4],
                   (self, '_get_bboxes'))

    def _record_image_proposals(self, rec, i, level_ids, dets, keep,
                                proposals, max_per_img):
        stage, origin = f'{self._STAGE}/img{i}', (self, '_get_bboxes')
        rec.tensor(stage, 'after batched NMS', dets, [keep.shape[0], 5],
                   batched_nms)
        rec.bind(**{f'K_{i}': proposals.shape[0]})
        rec.tensor(stage, 'proposals (after max_per_img)', proposals,
                   [f'min({keep.shape[0]}, {max_per_img})', 5], origin)
        rec.stats(
            stage, 'proposals per level', lambda: self._per_level_counts(
                level_ids, keep[:max_per_img]), batched_nms)
        rec.boxes(
            stage, 'top proposals', lambda: box_values(
                i, proposals, LIMITS['proposals'], scores=proposals[:, 4],
                levels=[self.trace_levels[idx] for idx in level_ids[keep[
                    :LIMITS['proposals']]].tolist()]), origin)

    def _per_level_counts(self, level_ids, kept):
        num_levels = len(self.trace_levels)
        before = torch.bincount(level_ids, minlength=num_levels)
        after = torch.bincount(level_ids[kept], minlength=num_levels)
        before, after = before.tolist(), after.tolist()
        return {
            f'P{level}': f'{before[idx]} -> {after[idx]}'
            for idx, level in enumerate(self.trace_levels)
        }
