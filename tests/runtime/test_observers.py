"""The sampler observer checks what mmdet's sampler promises, the cap that
``neg_pos_ub`` puts on the negatives included."""
import pytest
import torch
from mmdet.core.bbox.assigners import AssignResult
from mmdet.core.bbox.samplers import RandomSampler

from mmdet_frcnn_annotated.runtime.observers import ObservedSampler
from mmdet_frcnn_annotated.runtime.recorder import ShapeRecorder, recording


def _sampled_negatives(neg_pos_ub):
    # 3 foreground candidates (gt 1) and 1000 background ones, no gt added
    gt_inds = torch.cat([torch.ones(3, dtype=torch.long),
                         torch.zeros(1000, dtype=torch.long)])
    assign = AssignResult(1, gt_inds, torch.ones(1003),
                          labels=torch.zeros(1003, dtype=torch.long))
    boxes = torch.tensor([[0., 0., 10., 10.]]).repeat(1003, 1)
    sampler = ObservedSampler(
        RandomSampler(num=256, pos_fraction=0.5, neg_pos_ub=neg_pos_ub,
                      add_gt_as_proposals=False), 'rpn_head/targets')
    rec = ShapeRecorder('train', 0, strict=True)
    with recording(rec):
        result = sampler.sample(assign, boxes, boxes[:1])
    (neg, ) = [r for r in rec.records if r.name == 'neg_inds']
    return result.neg_inds.numel(), neg, rec.errors


@pytest.mark.parametrize('neg_pos_ub, expected', [
    (-1, 253),  # no cap: the rest of the 256, min(256 - 3, 1000)
    (5, 15),  # 5 per positive: 5 x 3
    (2.5, 7),  # int(2.5 x 3)
])
def test_negatives_follow_the_budget_and_the_cap(neg_pos_ub, expected):
    sampled, record, errors = _sampled_negatives(neg_pos_ub)
    assert errors == []
    assert sampled == expected
    assert record.shape == [expected] and record.expected == [expected]
    assert record.ok
