"""What the golden files under ``tests/data/`` hold, made from the code.

The tests compare with the files; ``scripts/regenerate_golden.py`` writes
them from these functions after a deliberate change of a page.
"""
import os.path as osp

import torch
from conftest import GOLDEN_DIR

REPORT = osp.join(GOLDEN_DIR, 'report_golden.md')


def listing_path(language):
    return osp.join(GOLDEN_DIR, f'listing_golden.{language}.md')


def report_text():
    """The stage report of a small hand-made step with one mismatch, and
    the RPN's config values its notes quote."""
    from mmdet.models.dense_heads import RPNHead

    from mmdet_frcnn_annotated.rendering.stage_report import render_report
    from mmdet_frcnn_annotated.runtime.recorder import ShapeRecorder
    from mmdet_frcnn_annotated.tracefile import decode, encode
    rec = ShapeRecorder('train', 7)
    rec.bind(N=2, H=96, W=160, h_2=24, w_2=40, A=3, G_0=1)
    rec.config(lambda: dict(
        rpn_use_sigmoid=True, rpn_cls_out_channels=1, rpn_feat_channels=256,
        rpn_sampling=True, rpn_assigner='MaxIoUAssigner', rpn_pos_iou_thr=0.7,
        rpn_neg_iou_thr=0.3, rpn_sampler_num=256, rpn_pos_fraction=0.5))
    rec.tensor('input', 'img', torch.zeros(2, 3, 96, 160), ['N', 3, 'H', 'W'])
    rec.tensor('input', 'gt_bboxes[0]', torch.zeros(1, 4), ['G_0', 4])
    rec.tensor('rpn_head/forward/P2', 'cls_score', torch.zeros(2, 3, 24, 40),
               ['N', 'A*1', 'h_2', 'w_2'], (RPNHead, 'forward_single'))
    rec.tensor('rpn_head/forward/P2', 'bbox_pred', torch.zeros(2, 12, 24, 41),
               ['N', 'A*4', 'h_2', 'w_2'], (RPNHead, 'forward_single'))
    rec.stats('rpn_head/targets/img0', 'assignment',
              lambda: dict(positive=5, negative=2870, ignored=5))
    rec.losses({'loss_rpn_cls': 0.6931, 'loss': 2.25})
    return render_report(decode(encode(rec.finish())))


def listing_text(train_records, language):
    """The listing of the stepped models' train step, every source line
    written as ``⋯`` so that no one's code is kept here."""
    from mmdet_frcnn_annotated.rendering.listing import render_listing
    return render_listing(train_records, language, report='train_iter0.md',
                          redact=True)
