"""AnchorHead that records anchors, targets and per-level losses.

Glossary: N images; h_l, w_l size of level l (P2..P6); A anchors per
location; T = sum_l h_l*w_l*A anchors of one image; V_i anchors inside
image i; P_i, Q_i sampled positive and negative anchors of image i.

Every override calls ``super()`` with the same arguments and records what
came back; with no active recorder each costs one function call.
"""
import torch
from mmdet.models.builder import HEADS
from mmdet.models.dense_heads import AnchorHead

from ...knowledge.symbols import level_of_stride
from ...registry import register
from ...runtime.boxes import LIMITS, box_values, levels_of, spread
from ...runtime.log_stats import get_counts
from ...runtime.observers import (ObservedAssigner, ObservedSampler,
                                  observe_modules)
from ...runtime.recorder import get_recorder


@register(HEADS)
class AnnotatedAnchorHead(AnchorHead):
    """``AnchorHead`` with a shape trace; records under ``trace_scope``."""

    trace_scope = 'anchor_head'

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.train_cfg:
            self.assigner = ObservedAssigner(
                self.assigner, f'{self.trace_scope}/targets', 'V', True)
            if hasattr(self.sampler, 'pos_fraction'):
                self.sampler = ObservedSampler(self.sampler,
                                               f'{self.trace_scope}/targets')

    @property
    def trace_levels(self):
        """FPN level number l of each input level, from the strides."""
        return [level_of_stride(s) for s in self.anchor_generator.strides]

    def trace_watched_layers(self, stage, level):
        """Layers inside ``forward_single`` to record; none by default."""
        return []

    # forward -----------------------------------------------------------------
    def forward(self, feats):
        """As ``AnchorHead.forward`` (``multi_apply`` over levels), with
        the outputs of each level recorded."""
        rec = get_recorder()
        if rec is None:
            return super().forward(feats)
        outputs = []
        for level, x in zip(self.trace_levels, feats):
            with observe_modules(rec, self._watched_at(level)):
                cls_score, bbox_pred = self.forward_single(x)
            self._record_level_outputs(rec, level, cls_score, bbox_pred)
            outputs.append((cls_score, bbox_pred))
        return tuple(map(list, zip(*outputs)))

    def _watched_at(self, level):
        stage = f'{self.trace_scope}/forward/P{level}'
        return self.trace_watched_layers(stage, level)

    def _record_level_outputs(self, rec, level, cls_score, bbox_pred):
        stage = f'{self.trace_scope}/forward/P{level}'
        h, w = f'h_{level}', f'w_{level}'
        origin = (self, 'forward_single')
        rec.tensor(stage, 'cls_score', cls_score,
                   ['N', f'A*{self.cls_out_channels}', h, w], origin)
        rec.tensor(stage, 'bbox_pred', bbox_pred, ['N', 'A*4', h, w], origin)

    def forward_train(self, x, img_metas, gt_bboxes, *args, **kwargs):
        """Records what ``forward_train`` hands on: for an RPN, the
        proposal list of the RoI head, and counts the proposals kept for the
        log. (Neither RPNHead nor AnchorHead defines forward_train; the
        report names the class that does.)"""
        outputs = super().forward_train(x, img_metas, gt_bboxes, *args,
                                        **kwargs)
        counts = get_counts()
        if counts is not None and isinstance(outputs, tuple):
            for proposals in outputs[1]:
                counts.add('rpn', 'proposals', len(proposals))
        rec = get_recorder()
        if rec is not None and isinstance(outputs, tuple):
            for i, proposals in enumerate(outputs[1]):
                if not isinstance(proposals, tuple):
                    rec.tensor(f'{self.trace_scope}/proposals',
                               f'proposal_list[{i}]', proposals,
                               [f'K_{i}', 5], (self, 'forward_train'))
        return outputs

    # anchors -----------------------------------------------------------------
    def get_anchors(self, featmap_sizes, img_metas, device='cuda'):
        anchor_list, valid_flag_list = super().get_anchors(
            featmap_sizes, img_metas, device=device)
        rec = get_recorder()
        if rec is not None:
            with rec.guard(f'{self.trace_scope}/anchors'):
                self._record_anchors(rec, anchor_list, valid_flag_list)
        return anchor_list, valid_flag_list

    def _record_anchors(self, rec, anchor_list, valid_flag_list):
        generator = self.anchor_generator
        rec.boxes(
            f'{self.trace_scope}/anchors', 'base anchors', lambda: dict(
                box_values(
                    0, torch.cat(generator.base_anchors),
                    levels=[level for level, base in zip(
                        self.trace_levels, generator.base_anchors)
                            for _ in range(base.shape[0])]),
                strides=[stride[0] for stride in generator.strides]),
            (generator, 'gen_base_anchors'))
        for index, level in enumerate(self.trace_levels):
            stage = f'{self.trace_scope}/anchors/P{level}'
            cells = f'h_{level}*w_{level}*A'
            base = generator.base_anchors[index]
            rec.tensor(stage, 'base_anchors', base, ['A', 4],
                       (generator, 'gen_base_anchors'))
            rec.stats(
                stage, 'base anchor sizes (w x h)', lambda base=base: {
                    'stride': generator.strides[index][0],
                    'sizes': [[round(float(x2 - x1), 1),
                               round(float(y2 - y1), 1)]
                              for x1, y1, x2, y2 in base.tolist()],
                }, (generator, 'gen_base_anchors'))
            rec.tensor(stage, 'anchors', anchor_list[0][index], [cells, 4],
                       (generator, 'grid_anchors'))
            for i, flags in enumerate(valid_flag_list):
                rec.tensor(stage, f'valid_flags[{i}]', flags[index], [cells],
                           (generator, 'valid_flags'))

    # targets -----------------------------------------------------------------
    def _get_targets_single(self, flat_anchors, valid_flags, gt_bboxes,
                            gt_bboxes_ignore, gt_labels, img_meta,
                            label_channels=1, unmap_outputs=True):
        results = super()._get_targets_single(
            flat_anchors, valid_flags, gt_bboxes, gt_bboxes_ignore, gt_labels,
            img_meta, label_channels, unmap_outputs)
        rec = get_recorder()
        if rec is not None and results[0] is not None:
            with rec.guard(f'{self.trace_scope}/targets'):
                self._record_image_targets(rec, flat_anchors, valid_flags,
                                           results, unmap_outputs)
        return results

    def _record_image_targets(self, rec, flat_anchors, valid_flags, results,
                              unmap_outputs):
        i = rec.next_index(f'{self.trace_scope}/targets/single')
        stage = f'{self.trace_scope}/targets/img{i}'
        origin = (self, '_get_targets_single')
        labels, label_weights, bbox_targets, bbox_weights = results[:4]
        rows = 'T' if unmap_outputs else f'V_{i}'
        rec.tensor(stage, 'flat_anchors', flat_anchors, ['T', 4], origin)
        rec.tensor(stage, 'valid_flags', valid_flags, ['T'], origin)
        rec.tensor(stage, 'labels', labels, [rows], origin)
        rec.tensor(stage, 'label_weights', label_weights, [rows], origin)
        rec.tensor(stage, 'bbox_targets', bbox_targets, [rows, 4], origin)
        rec.tensor(stage, 'bbox_weights', bbox_weights, [rows, 4], origin)
        background = self.num_classes

        def label_counts():
            values, counts = labels.unique(return_counts=True)
            named = {
                (f'{v} (background)' if v == background else f'{v}'): c
                for v, c in zip(values.tolist(), counts.tolist())
            }
            named['weighted (sampled)'] = int((label_weights > 0).sum())
            return named

        rec.stats(stage, 'label values', label_counts, origin)
        if unmap_outputs:
            self._record_sampled_anchors(rec, i, stage, flat_anchors, labels,
                                         label_weights)

    def _record_sampled_anchors(self, rec, i, stage, flat_anchors, labels,
                                label_weights):
        """The sampled positive anchors of image i, and some of its sampled
        negatives, with the level of each (``labels`` has T rows, level by
        level)."""
        origin = (self, '_get_targets_single')
        sampled = label_weights > 0
        background = self.num_classes

        def anchors(mask, limit=None):
            sizes = [
                rec.symbols.evaluate(f'h_{level}*w_{level}*A')
                for level in self.trace_levels
            ]
            indices = mask.nonzero(as_tuple=False).squeeze(1)
            picked = indices
            if limit:
                picked = indices[torch.as_tensor(
                    spread(len(indices), limit), device=indices.device)]
            values = box_values(
                i, flat_anchors[picked],
                levels=levels_of(picked.tolist(), sizes, self.trace_levels))
            values['total'] = len(indices)
            return values

        rec.boxes(stage, 'positive anchors',
                  lambda: anchors(sampled & (labels < background)), origin)
        rec.boxes(
            stage, 'negative anchors', lambda: anchors(
                sampled & (labels == background),
                LIMITS['negative_anchors']), origin)

    def get_targets(self, anchor_list, valid_flag_list, gt_bboxes_list,
                    img_metas, *args, **kwargs):
        results = super().get_targets(anchor_list, valid_flag_list,
                                      gt_bboxes_list, img_metas, *args,
                                      **kwargs)
        rec = get_recorder()
        if rec is not None and results is not None:
            with rec.guard(f'{self.trace_scope}/targets/batch'):
                self._record_batch_targets(rec, results)
        return results

    def _record_batch_targets(self, rec, results):
        stage = f'{self.trace_scope}/targets/batch'
        origin = (self, 'get_targets')
        labels_list, _, bbox_targets_list = results[:3]
        num_total_pos, num_total_neg = results[4:6]
        for level, labels, targets in zip(self.trace_levels, labels_list,
                                          bbox_targets_list):
            cells = f'h_{level}*w_{level}*A'
            rec.tensor(stage, f'labels P{level}', labels, ['N', cells],
                       origin)
            rec.tensor(stage, f'bbox_targets P{level}', targets,
                       ['N', cells, 4], origin)
        rec.stats(
            stage, 'loss normaliser', lambda: {
                'num_total_pos': num_total_pos,
                'num_total_neg': num_total_neg,
                'avg_factor': (num_total_pos + num_total_neg
                               if self.sampling else num_total_pos),
            }, origin)

    # loss --------------------------------------------------------------------
    def loss_single(self, cls_score, bbox_pred, anchors, labels,
                    label_weights, bbox_targets, bbox_weights,
                    num_total_samples):
        loss_cls, loss_bbox = super().loss_single(
            cls_score, bbox_pred, anchors, labels, label_weights,
            bbox_targets, bbox_weights, num_total_samples)
        rec = get_recorder()
        if rec is not None:
            with rec.guard(f'{self.trace_scope}/loss'):
                self._record_level_loss(rec, cls_score, bbox_pred, labels,
                                        loss_cls, loss_bbox)
        return loss_cls, loss_bbox

    def _record_level_loss(self, rec, cls_score, bbox_pred, labels, loss_cls,
                           loss_bbox):
        index = rec.next_index(f'{self.trace_scope}/loss')
        level = self.trace_levels[index]
        stage = f'{self.trace_scope}/loss/P{level}'
        origin = (self, 'loss_single')
        rows = f'N*h_{level}*w_{level}*A'
        # the same reshapes as loss_single, to show their shapes
        rec.tensor(
            stage, 'cls_score (flat)',
            cls_score.detach().permute(0, 2, 3, 1).reshape(
                -1, self.cls_out_channels),
            [rows, self.cls_out_channels], origin)
        rec.tensor(stage, 'labels (flat)', labels.reshape(-1), [rows],
                   origin)
        rec.tensor(stage, 'bbox_pred (flat)',
                   bbox_pred.detach().permute(0, 2, 3, 1).reshape(-1, 4),
                   [rows, 4], origin)
        rec.tensor(stage, 'loss_cls', loss_cls, [], origin)
        rec.tensor(stage, 'loss_bbox', loss_bbox, [], origin)
        rec.stats(
            stage, 'loss values', lambda: {
                'loss_cls': round(float(loss_cls), 6),
                'loss_bbox': round(float(loss_bbox), 6)
            }, origin)
