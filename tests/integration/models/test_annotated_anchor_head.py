"""AnnotatedAnchorHead on its own: same losses as AnchorHead, and its
stages recorded under anchor_head/ with shapes worked out by hand."""
import copy

import torch
from mmcv import ConfigDict
from mmdet.models import build_head

import mmdet_frcnn_annotated  # noqa: F401
from mmdet_frcnn_annotated.runtime.recorder import ShapeRecorder, recording

HEAD = dict(
    num_classes=4,
    in_channels=8,
    feat_channels=8,
    anchor_generator=dict(
        type='AnchorGenerator',
        scales=[4],
        ratios=[0.5, 1.0, 2.0],
        strides=[8, 16]),
    loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=True,
                  loss_weight=1.0),
    train_cfg=ConfigDict(
        assigner=dict(
            type='MaxIoUAssigner', pos_iou_thr=0.5, neg_iou_thr=0.4,
            min_pos_iou=0, ignore_iof_thr=-1),
        sampler=dict(type='RandomSampler', num=64, pos_fraction=0.5,
                     neg_pos_ub=-1, add_gt_as_proposals=False),
        allowed_border=-1, pos_weight=-1, debug=False))


def _losses(head, feats, gt_bboxes, gt_labels, img_metas):
    torch.manual_seed(0)
    return head.loss(*head(feats), gt_bboxes, gt_labels, img_metas)


def test_same_losses_and_recorded_shapes():
    torch.manual_seed(0)
    stock = build_head(dict(type='AnchorHead', **copy.deepcopy(HEAD)))
    annotated = build_head(
        dict(type='AnnotatedAnchorHead', **copy.deepcopy(HEAD)))
    annotated.load_state_dict(stock.state_dict())
    # a 64 x 96 image: level 3 is 8 x 12, level 4 is 4 x 6
    feats = [torch.rand(1, 8, 8, 12), torch.rand(1, 8, 4, 6)]
    img_metas = [dict(img_shape=(64, 96, 3), pad_shape=(64, 96, 3))]
    gt_bboxes = [torch.tensor([[10., 10., 40., 50.]])]
    gt_labels = [torch.tensor([2])]
    expected = _losses(stock, feats, gt_bboxes, gt_labels, img_metas)
    rec = ShapeRecorder('train', 0)
    rec.bind(N=1, A=3, h_3=8, w_3=12, h_4=4, w_4=6, T=3 * (8 * 12 + 4 * 6),
             G_0=1)
    with recording(rec):
        got = _losses(annotated, feats, gt_bboxes, gt_labels, img_metas)
    assert expected.keys() == got.keys()
    for name in expected:
        assert len(got[name]) == len(expected[name]), name
        assert all(
            torch.equal(a, b) for a, b in zip(expected[name], got[name]))
    shapes = {(r.stage, r.name): tuple(r.shape)
              for r in rec.records if r.kind == 'tensor'}
    # sigmoid: cls_out_channels = num_classes = 4 per anchor
    assert shapes[('anchor_head/forward/P3', 'cls_score')] == (1, 12, 8, 12)
    assert shapes[('anchor_head/forward/P4', 'bbox_pred')] == (1, 12, 4, 6)
    assert shapes[('anchor_head/anchors/P4', 'anchors')] == (4 * 6 * 3, 4)
    assert shapes[('anchor_head/targets/img0', 'labels')] == (360, )
    assert shapes[('anchor_head/loss/P3', 'cls_score (flat)')] == (288, 4)
    assert rec.errors == [] and not rec.mismatches
