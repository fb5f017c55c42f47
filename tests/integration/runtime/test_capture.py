"""The line capture: what it records of a real mmdet function, per pass;
that it keeps no tensor; that it leaves another tracer alone; that it runs
only inside traced steps."""
import copy
import json
import sys
import warnings

import torch
from mmdet.core import bbox2roi

from mmdet_frcnn_annotated.knowledge.watched import watched_codes
from mmdet_frcnn_annotated.runtime import capture as capture_module
from mmdet_frcnn_annotated.runtime.capture import LineCapture
from mmdet_frcnn_annotated.runtime.capture import describe as _describe
from mmdet_frcnn_annotated.tracefile import describe_to_json


def describe(value):
    """The JSON form the trace file keeps of a described value."""
    return describe_to_json(_describe(value))


def _entries(record, name):
    """``[(context, description)]`` of every line that bound ``name``."""
    found = []
    for entries in record.values['lines'].values():
        for context, names in entries:
            if name in names:
                found.append((context, names[name]))
    return found


def test_describe_keeps_shapes_and_small_values_only():
    # a tensor bound by a name carries its values: six zeros
    assert describe(torch.zeros(2, 3, dtype=torch.long)) == [
        'T', [2, 3], 'int64', {'counts': {'0': 6}}
    ]
    assert describe(7) == ['V', 7] and describe(True) == ['V', True]
    assert describe(torch.Size([4, 5])) == ['V', [4, 5]]
    assert describe([torch.zeros(1), torch.zeros(2, 2)]) == [
        'L', 'list', 2, [['T', [1], 'float32'], ['T', [2, 2], 'float32']]
    ]
    assert describe(torch.nn.Linear(2, 2)) is None
    assert describe('x' * 100) is None


def test_bbox2roi_passes_per_image():
    boxes = [torch.zeros(3, 4), torch.zeros(0, 4), torch.zeros(2, 4)]
    with LineCapture(watched_codes()) as capture:
        rois = bbox2roi(boxes)
    assert sys.gettrace() is None
    assert rois.shape == (5, 5)
    (record, ) = capture.records('train', 0)
    assert record.name == 'bbox2roi' and record.values['calls'] == 1
    assert record.values['path'] == ['bbox2roi']
    # images 0 and 2 have boxes: one (G_i, 1) column of image indices each,
    # every element the image's index
    zero = {'min': 0.0, 'max': 0.0, 'mean': 0.0}
    assert _entries(record, 'img_inds') == [({
        'image': 0
    }, ['T', [3, 1], 'float32', zero]), ({
        'image': 2
    }, ['T', [2, 1], 'float32', {'min': 2.0, 'max': 2.0, 'mean': 2.0}])]
    # rois: one per image inside the loop (image 1 takes the empty
    # branch, a line of its own), then the concatenation
    # (an empty tensor has no values; image 2's rows are [2, 0, 0, 0, 0])
    assert sorted(_entries(record, 'rois'), key=str) == sorted([
        ({'image': 0}, ['T', [3, 5], 'float32', zero]),
        ({'image': 1}, ['T', [0, 5], 'float32']),
        ({'image': 2}, ['T', [2, 5], 'float32',
                        {'min': 0.0, 'max': 2.0, 'mean': 0.4}]),
        ({}, ['T', [5, 5], 'float32', {'min': 0.0, 'max': 2.0,
                                       'mean': 0.16}]),
    ], key=str)
    json.dumps(record.to_dict())  # plain data: no tensor is kept


def test_a_config_can_list_more_functions():
    from mmdet.models.losses import L1Loss
    spec = 'mmdet.models.losses.smooth_l1_loss:l1_loss'
    codes = watched_codes([spec])
    pred, target = torch.zeros(4, 4), torch.ones(4, 4)
    with LineCapture(codes) as capture:
        L1Loss()(pred, target)  # mmcv.jit and weighted_loss wrap l1_loss
    (record, ) = capture.records('train', 0)
    assert record.name == 'l1_loss'
    assert record.source == 'mmdet/models/losses/smooth_l1_loss.py:31'
    assert _entries(record, 'loss') == [
        ({}, ['T', [4, 4], 'float32', {'min': 1.0, 'max': 1.0, 'mean': 1.0}])
    ]  # |0 - 1| everywhere


def test_calls_are_grouped_by_call_path():
    from mmdet.core.bbox.assigners import MaxIoUAssigner
    assigner = MaxIoUAssigner(pos_iou_thr=0.5, neg_iou_thr=0.4)
    gt = torch.tensor([[0., 0., 10., 10.]])
    anchors = torch.tensor([[0., 0., 10., 10.], [20., 20., 30., 30.]])
    with LineCapture(watched_codes()) as capture:
        for _ in range(2):
            assigner.assign(anchors, gt)
    names = [(r.name, r.values['calls'], r.values['path'])
             for r in capture.records('train', 0)]
    assert names == [
        ('MaxIoUAssigner.assign', 2, ['MaxIoUAssigner.assign']),
        ('MaxIoUAssigner.assign_wrt_overlaps', 2, [
            'MaxIoUAssigner.assign', 'MaxIoUAssigner.assign_wrt_overlaps'
        ]),
    ]
    (overlaps, ) = {
        json.dumps(d)
        for _, d in _entries(capture.records('train', 0)[0], 'overlaps')
    }
    # (G, anchors): IoU 1 with the first anchor, 0 with the second
    assert json.loads(overlaps) == ['T', [1, 2], 'float32',
                                    {'min': 0.0, 'max': 1.0, 'mean': 0.5}]
    # one anchor passes pos_iou_thr = 0.5: one True in the mask
    masks = [d for _, d in _entries(capture.records('train', 0)[1],
                                    'pos_inds') if d[2] == 'bool']
    assert masks == [['T', [2], 'bool', {'true': 1}]] * 2


def test_another_tracer_is_left_alone_with_one_warning():
    def other(frame, event, arg):
        return None

    capture_module._warned_other_tracer.clear()
    sys.settrace(other)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            for _ in range(2):
                with LineCapture(watched_codes()) as capture:
                    bbox2roi([torch.zeros(1, 4)])
                assert sys.gettrace() is other
        assert capture.skipped and 'another trace function' in capture.skipped
        assert capture.records('train', 0) == []
    finally:
        sys.settrace(None)
    warned = [w for w in caught if 'another trace function' in str(w.message)]
    assert len(warned) == 1


def test_capture_only_inside_traced_steps(tmp_path):
    from conftest import (TRAIN_BOXES, TRAIN_LABELS, TRAIN_SIZES, build_model,
                          demo_inputs)
    model = build_model(True, trace=dict(out_dir=str(tmp_path),
                                         phases=['train']))
    seen = []
    model.backbone.register_forward_hook(
        lambda *_: seen.append(sys.gettrace()))
    inputs = demo_inputs(TRAIN_SIZES, TRAIN_BOXES, TRAIN_LABELS)
    model.train()
    for _ in range(2):  # iteration 0 is traced, iteration 1 is not
        model.train_step(copy.deepcopy(inputs), None)
    model.tracer.close()
    assert seen[0] is not None and seen[1] is None
    assert sys.gettrace() is None
    assert (tmp_path / 'train_iter0.listing.en.md').exists()
    assert not (tmp_path / 'train_iter1.listing.en.md').exists()
