"""A disagreement that is a known mmdet 2.11 behaviour is marked and not
counted; any other disagreement still is."""
import pytest
import torch

from mmdet_frcnn_annotated.knowledge.known_behaviours import known_behaviour
from mmdet_frcnn_annotated.runtime.recorder import (ShapeMismatchError,
                                                    ShapeRecorder)

STAGE = 'roi_head/detections/img0'
NAME = 'det_bboxes (x1, y1, x2, y2, score)'


def test_empty_multiclass_nms_is_known_not_a_mismatch():
    rec = ShapeRecorder('test', 0, strict=True)  # strict does not raise
    rec.bind(D_0=0)
    rec.tensor(STAGE, NAME, torch.zeros(0, 4), ['D_0', 5])
    (record, ) = rec.records
    assert record.ok is False and record.known == 'empty_multiclass_nms'
    summary = rec.finish()[-1].values
    assert summary['mismatches'] == 0
    assert summary['known'] == ['empty_multiclass_nms']


@pytest.mark.parametrize('shape, symbolic, bound', [
    ((1, 4), ['D_0', 5], 1),  # boxes were kept: a real mismatch
    ((0, 4), ['D_0', 4], 0),  # no disagreement to explain
    ((0, 3), ['D_0', 5], 0),  # not the shape multiclass_nms returns
])
def test_other_disagreements_stay_mismatches(shape, symbolic, bound):
    rec = ShapeRecorder('test', 0)
    rec.bind(D_0=bound)
    rec.tensor(STAGE, NAME, torch.zeros(*shape), symbolic)
    expected = [bound] + symbolic[1:]
    disagrees = list(shape) != expected
    assert rec.records[0].known is None
    assert len(rec.mismatches) == int(disagrees)
    strict = ShapeRecorder('test', 0, strict=True)
    strict.bind(D_0=bound)
    if disagrees:
        with pytest.raises(ShapeMismatchError, match=r'\(D_0, 5\)|D_0'):
            strict.tensor(STAGE, NAME, torch.zeros(*shape), symbolic)
    else:
        strict.tensor(STAGE, NAME, torch.zeros(*shape), symbolic)
        assert strict.mismatches == []


def test_known_only_where_it_happens():
    assert known_behaviour(STAGE, NAME, [0, 4], [0, 5])
    assert known_behaviour('multiclass_nms', 'bboxes', [0, 4], [0, 5])
    assert known_behaviour('rpn_head/proposals/img0', NAME, [0, 4],
                           [0, 5]) is None
    assert known_behaviour(STAGE, 'det_labels', [0, 4], [0, 5]) is None
