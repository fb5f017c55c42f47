"""Observers of what happens inside mmdet's assigners, samplers and layers.

Glossary: G_i ground-truth boxes of image i; V_i anchors of image i that
pass ``anchor_inside_flags`` (the RPN's candidates); K_i proposals of
image i (the RoI head's candidates); F_i, B_i candidates assigned
foreground and background; P_i, Q_i sampled positives and negatives. The
RoI head's carry an r: Fr_i, Br_i, Pr_i, Qr_i.

The assigner and sampler wrappers hold mmdet's own objects and call them
unchanged, so random draws and results are the stock ones. They record only
when a recorder is active; otherwise they cost one attribute lookup.
"""
import contextlib

import torch

from .boxes import LIMITS, box_values
from .log_stats import get_counts
from .recorder import get_recorder


def _quantiles(values):
    if values.numel() == 0:
        return {}
    q = torch.tensor([0.0, 0.5, 1.0], device=values.device)
    lo, mid, hi = torch.quantile(values.float(), q).tolist()
    return {'min': round(lo, 4), 'median': round(mid, 4), 'max': round(hi, 4)}


class ObservedAssigner:
    """Wraps a ``MaxIoUAssigner`` (or any assigner returning AssignResult).

    Args:
        assigner: mmdet's assigner, called as is.
        stage (str): stage prefix, e.g. ``'rpn_head/targets'``.
        candidates (str): symbol of the candidate count of image i: bound
            here when ``bind_candidates`` (``'V'``, anchors that pass
            ``anchor_inside_flags``), or already bound by an earlier stage
            (``'K'``).
    """

    def __init__(self, assigner, stage, candidates, bind_candidates):
        self.assigner = assigner
        self.stage = stage
        self.candidates = candidates
        self.bind_candidates = bind_candidates

    def __getattr__(self, name):
        if name.startswith('__') or name == 'assigner':
            raise AttributeError(name)
        return getattr(self.assigner, name)

    def assign(self, bboxes, gt_bboxes, *args, **kwargs):
        rec = get_recorder()
        if rec is None:
            return self.assigner.assign(bboxes, gt_bboxes, *args, **kwargs)
        overlaps_seen = []
        iou_calculator = getattr(self.assigner, 'iou_calculator', None)
        if iou_calculator is not None:

            def observed_iou(*iou_args, **iou_kwargs):
                overlaps = iou_calculator(*iou_args, **iou_kwargs)
                overlaps_seen.append(overlaps)
                return overlaps

            self.assigner.iou_calculator = observed_iou
        try:
            result = self.assigner.assign(bboxes, gt_bboxes, *args, **kwargs)
        finally:
            if iou_calculator is not None:
                self.assigner.iou_calculator = iou_calculator
        with rec.guard(self.stage + '/assign'):
            self._record(rec, bboxes, overlaps_seen[:1], result)
        overlaps_seen.clear()  # keep no tensor beyond the call
        return result

    def _record(self, rec, bboxes, overlaps, result):
        i = rec.next_index(self.stage + '/assign')
        stage = f'{self.stage}/img{i}'
        origin = (self.assigner, 'assign')
        n = f'{self.candidates}_{i}'
        if self.bind_candidates:
            rec.bind(**{n: bboxes.shape[0]})
        rec.tensor(stage, 'candidates', bboxes, [n, bboxes.shape[1]], origin)
        for tensor in overlaps:
            rec.tensor(stage, 'overlaps (gt x candidates)', tensor,
                       [f'G_{i}', n], origin)
        rec.tensor(stage, 'assigned_gt_inds', result.gt_inds, [n], origin)
        rec.tensor(stage, 'max_overlaps', result.max_overlaps, [n], origin)

        def counts():
            gt_inds = result.gt_inds
            pos = gt_inds > 0
            pos_iou = _quantiles(result.max_overlaps[pos])
            return dict(
                positive=int(pos.sum()),
                negative=int((gt_inds == 0).sum()),
                ignored=int((gt_inds < 0).sum()),
                **{f'positive max-IoU {k}': v
                   for k, v in pos_iou.items()})

        rec.stats(stage, 'assignment', counts, origin)


class ObservedSampler:
    """Wraps a ``RandomSampler``; checks P_i = min(num*pos_fraction, F_i)
    and Q_i = min(num - P_i, B_i), which is what random sampling promises,
    with ``neg_pos_ub`` >= 0 also at most int(neg_pos_ub * max(1, P_i)).
    F_i and B_i are counted after ground truth is added as proposals.

    Args:
        sampler: mmdet's sampler, called as is.
        stage (str): stage prefix.
        suffix (str): appended to the symbol letters, ``''`` for the RPN
            (P_i, Q_i, F_i, B_i), ``'r'`` for the RoI head (Pr_i, ...) and
            ``'r<s>'`` for stage s of a cascade (Pr1_i, ...).
        candidates (str): symbol of the candidate count of image i.
        picture_values (dict | None): kept with the boxes drawn (a
            cascade's stage and its IoU threshold).
    """

    def __init__(self, sampler, stage, suffix='', candidates='K',
                 picture_values=None):
        self.sampler = sampler
        self.stage = stage
        self.suffix = suffix
        self.candidates = candidates
        self.picture_values = picture_values or {}

    def __getattr__(self, name):
        if name.startswith('__') or name == 'sampler':
            raise AttributeError(name)
        return getattr(self.sampler, name)

    def sample(self, assign_result, bboxes, gt_bboxes, *args, **kwargs):
        rec = get_recorder()
        if rec is None:
            result = self.sampler.sample(assign_result, bboxes, gt_bboxes,
                                         *args, **kwargs)
        else:
            rec.sampling += 1  # what runs inside belongs to the sampling
            try:
                result = self.sampler.sample(assign_result, bboxes,
                                             gt_bboxes, *args, **kwargs)
            finally:
                rec.sampling -= 1
        counts = get_counts()
        if counts is not None:
            counts.sampled('roi' if self.suffix else 'rpn', result)
        rec = get_recorder()
        if rec is not None:
            with rec.guard(self.stage + '/sample'):
                self._record(rec, assign_result, result)
        return result

    def _record(self, rec, assign_result, result):
        i = rec.next_index(self.stage + '/sample')
        stage = f'{self.stage}/img{i}'
        origin = (self.sampler, 'sample')
        p, q, f, b = (f'{letter}{self.suffix}_{i}' for letter in 'PQFB')
        gt_inds = assign_result.gt_inds
        fg, bg = torch.stack([(gt_inds > 0).sum(),
                              (gt_inds == 0).sum()]).tolist()
        rec.bind(**{
            f: fg,
            b: bg,
            p: result.pos_inds.numel(),
            q: result.neg_inds.numel()
        })
        num = self.sampler.num
        num_pos = int(num * self.sampler.pos_fraction)
        if getattr(self.sampler, 'add_gt_as_proposals', False):
            rec.tensor(stage, 'assigned_gt_inds with gt added', gt_inds,
                       [f'{self.candidates}_{i} + G_{i}'], origin)
        rec.tensor(stage, 'pos_inds', result.pos_inds,
                   [f'min({num_pos}, {f})'], origin)
        rec.tensor(stage, 'neg_inds', result.neg_inds,
                   [_negatives(num, p, b, self.sampler)], origin)
        rec.tensor(stage, 'pos_bboxes', result.pos_bboxes, [p, 4], origin)
        rec.tensor(stage, 'neg_bboxes', result.neg_bboxes, [q, 4], origin)
        if self.suffix:  # the RoI head's samples, drawn in the pictures
            rec.boxes(
                stage, 'positive rois', lambda: self._boxes(box_values(
                    i, result.pos_bboxes, is_gt=result.pos_is_gt.bool())),
                origin)
            rec.boxes(
                stage, 'negative rois', lambda: self._boxes(box_values(
                    i, result.neg_bboxes, LIMITS['negative_rois'])), origin)
        rec.stats(
            stage, 'sampling', lambda: {
                'foreground candidates': fg,
                'background candidates': bg,
                'sampled positives': result.pos_inds.numel(),
                'sampled negatives': result.neg_inds.numel(),
                'ground truth among positives': int(result.pos_is_gt.sum()),
            }, origin)

    def _boxes(self, values):
        values.update(self.picture_values)
        return values


@contextlib.contextmanager
def observe_modules(rec, watched):
    """Record what modules take or give while the block runs.

    Args:
        rec (ShapeRecorder): the active recorder.
        watched (list[tuple]): ``(module, stage, name, symbolic, side)``
            each, where ``side`` is ``'input'`` (the first positional
            input) or ``'output'``.

    The forward hooks are removed in ``finally``, whatever happens.
    """
    handles = []
    try:
        for module, stage, name, symbolic, side in watched:

            def hook(mod, inputs, output, stage=stage, name=name,
                     symbolic=symbolic, side=side):
                tensor = inputs[0] if side == 'input' else output
                rec.tensor(stage, name, tensor, symbolic, (mod, 'forward'))

            handles.append(module.register_forward_hook(hook))
        yield
    finally:
        for handle in handles:
            handle.remove()


def _negatives(num, p, b, sampler):
    """The negatives mmdet's ``BaseSampler.sample`` asks for: the rest of
    the budget, capped at int(neg_pos_ub * max(1, P_i)) when ``neg_pos_ub``
    is not negative."""
    quota = f'min({num} - {p}, {b})'
    ub = getattr(sampler, 'neg_pos_ub', -1)
    if not isinstance(ub, (int, float)) or ub < 0:
        return quota
    cap = (f'{int(ub)} * max(1, {p})' if float(ub).is_integer() else
           f'floor({ub} * max(1, {p}))')
    return f'min({num} - {p}, {b}, {cap})'
