"""Shared helpers: configs of this repository and hand-made detector inputs.

The inputs follow mmdet's own demo-input pattern: a seeded image batch,
meta dicts as the pipeline makes them, and known boxes, some images with
no ground truth at all.
"""
import contextlib
import copy
import logging
import os.path as osp

import numpy as np
import pytest
import torch
from mmcv import Config

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
ANNOTATED_CONFIG = osp.join(
    REPO, 'configs/annotated_faster_rcnn/'
    'annotated_faster_rcnn_r50_fpn_1x_coco.py')
STOCK_CONFIG = osp.join(REPO, 'configs/_base_/faster_rcnn_r50_fpn_1x_coco.py')
TOY_CONFIG = osp.join(REPO,
                      'configs/toy/annotated_faster_rcnn_r50_fpn_toy_cpu.py')
MASK_TOY_CONFIG = osp.join(
    REPO, 'configs/toy/annotated_mask_rcnn_r50_fpn_toy_cpu.py')
MASK_STOCK_CONFIG = osp.join(REPO,
                             'configs/_base_/mask_rcnn_r50_fpn_1x_coco.py')
CASCADE_STOCK_CONFIG = osp.join(
    REPO, 'configs/_base_/cascade_rcnn_r50_fpn_1x_coco.py')
CASCADE_MASK_STOCK_CONFIG = osp.join(
    REPO, 'configs/_base_/cascade_mask_rcnn_r50_fpn_1x_coco.py')
CASCADE_TOY_CONFIG = osp.join(
    REPO, 'configs/toy/annotated_cascade_rcnn_r50_fpn_toy_cpu.py')
REFERENCE = osp.join(
    osp.dirname(REPO), 'shared', 'reference',
    'faster_rcnn_r50_fpn_1x_coco.mmdet-2.11.0.resolved.json')

ANNOTATED_TYPES = dict(
    detector='AnnotatedFasterRCNN',
    rpn_head='AnnotatedRPNHead',
    roi_head='AnnotatedStandardRoIHead')


def model_config(annotated, num_classes=3, trace=None):
    """The toy model config (no pretrained weights), stock or annotated."""
    cfg = Config.fromfile(TOY_CONFIG)
    model = copy.deepcopy(cfg.model)
    model.roi_head.bbox_head.num_classes = num_classes
    if annotated:
        if trace is not None:
            model.trace = trace
    else:
        model.type = 'FasterRCNN'
        model.rpn_head.type = 'RPNHead'
        model.roi_head.type = 'StandardRoIHead'
        model.pop('trace', None)
    return model


def mask_model_config(annotated, trace=None):
    """The toy Mask R-CNN model config, stock or annotated."""
    cfg = copy.deepcopy(Config.fromfile(MASK_TOY_CONFIG).model)
    if annotated:
        if trace is not None:
            cfg.trace = trace
    else:
        cfg.type = 'MaskRCNN'
        cfg.rpn_head.type = 'RPNHead'
        cfg.roi_head.type = 'StandardRoIHead'
        cfg.pop('trace', None)
    return cfg


def cascade_model_config(annotated, trace=None, mask=False):
    """The toy Cascade R-CNN model config, stock or annotated; with
    ``mask`` the mask branch of Cascade Mask R-CNN (as mmdetection
    v2.11.0's cascade_mask_rcnn_r50_fpn.py adds it) for 3 classes."""
    cfg = copy.deepcopy(Config.fromfile(CASCADE_TOY_CONFIG).model)
    if mask:
        cfg.roi_head.mask_roi_extractor = dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=0),
            out_channels=256, featmap_strides=[4, 8, 16, 32])
        cfg.roi_head.mask_head = dict(
            type='FCNMaskHead', num_convs=4, in_channels=256,
            conv_out_channels=256, num_classes=3,
            loss_mask=dict(type='CrossEntropyLoss', use_mask=True,
                           loss_weight=1.0))
        for stage in cfg.train_cfg.rcnn:
            stage.mask_size = 28
        cfg.test_cfg.rcnn.mask_thr_binary = 0.5
    if annotated:
        if trace is not None:
            cfg.trace = trace
    else:
        cfg.type = 'CascadeRCNN'
        cfg.rpn_head.type = 'RPNHead'
        cfg.roi_head.type = 'CascadeRoIHead'
        cfg.pop('trace', None)
    return cfg


def with_disc_masks(inputs):
    """``inputs`` with ``gt_masks``: per box, the disc inscribed in it, as
    ``BitmapMasks`` of the padded batch size."""
    from mmdet.core import BitmapMasks
    pad_h, pad_w = inputs['img'].shape[-2:]
    yy, xx = np.mgrid[0:pad_h, 0:pad_w]
    masks = []
    for boxes in inputs['gt_bboxes']:
        per_image = []
        for x1, y1, x2, y2 in boxes.tolist():
            cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
            r = min(x2 - x1, y2 - y1) / 2
            per_image.append((xx - cx)**2 + (yy - cy)**2 <= r * r)
        array = np.stack(per_image).astype(np.uint8) if per_image else \
            np.zeros((0, pad_h, pad_w), np.uint8)
        masks.append(BitmapMasks(array, pad_h, pad_w))
    return dict(inputs, gt_masks=masks)


def build_model(annotated, seed=0, **kwargs):
    from mmdet.models import build_detector

    import mmdet_frcnn_annotated  # noqa: F401  registers the types
    torch.manual_seed(seed)
    return build_detector(model_config(annotated, **kwargs))


def demo_inputs(sizes, boxes, labels, seed=0):
    """Detector inputs for images of ``sizes`` [(h, w), ...] padded to the
    largest, with the given boxes [(G_i, 4) lists] and labels."""
    rng = np.random.RandomState(seed)
    pad_h = max(h for h, _ in sizes)
    pad_w = max(w for _, w in sizes)
    img = torch.from_numpy(
        rng.uniform(-1, 1, (len(sizes), 3, pad_h, pad_w)).astype(np.float32))
    img_metas = [
        dict(
            img_shape=(h, w, 3),
            ori_shape=(h, w, 3),
            pad_shape=(pad_h, pad_w, 3),
            scale_factor=np.ones(4, dtype=np.float32),
            flip=False,
            flip_direction=None,
            filename=f'demo_{i}.png') for i, (h, w) in enumerate(sizes)
    ]
    gt_bboxes = [
        torch.tensor(b, dtype=torch.float32).reshape(-1, 4) for b in boxes
    ]
    gt_labels = [torch.tensor(lab, dtype=torch.long) for lab in labels]
    return dict(
        img=img, img_metas=img_metas, gt_bboxes=gt_bboxes,
        gt_labels=gt_labels)


# A caffe-style ResNet with frozen BN, as mmdet's caffe configs have it.
CAFFE = dict(style='caffe', norm_cfg=dict(type='BN', requires_grad=False),
             norm_eval=True)


def c4_model(model):
    """``model`` (the toy model dict) changed as mmdetection v2.11.0's C4
    configs change R50-FPN: ResNet's last stage as the shared head of the
    RoI head, no neck, one level at stride 16, the plain BBoxHead."""
    model.backbone.update(
        num_stages=3, strides=(1, 2, 2), dilations=(1, 1, 1),
        out_indices=(2, ), **CAFFE)
    model.neck = None
    model.rpn_head.update(in_channels=1024, feat_channels=1024)
    model.rpn_head.anchor_generator.update(
        scales=[2, 4, 8, 16, 32], ratios=[0.5, 1.0, 2.0], strides=[16])
    model.roi_head.shared_head = dict(
        type='ResLayer', depth=50, stage=3, stride=2, dilation=1, **CAFFE)
    model.roi_head.bbox_roi_extractor.update(
        roi_layer=dict(type='RoIAlign', output_size=14, sampling_ratio=0),
        out_channels=1024, featmap_strides=[16])
    head = model.roi_head.bbox_head
    model.roi_head.bbox_head = dict(
        type='BBoxHead', with_avg_pool=True, roi_feat_size=7,
        in_channels=2048, num_classes=head.num_classes,
        bbox_coder=head.bbox_coder, reg_class_agnostic=False,
        loss_cls=head.loss_cls, loss_bbox=head.loss_bbox)
    # fewer rois than the config's, to keep ResNet's last stage on every
    # roi quick on a CPU; the shapes follow them
    model.train_cfg.rpn_proposal.max_per_img = 200
    model.train_cfg.rcnn.sampler.num = 128
    model.test_cfg.rpn.max_per_img = 100
    return model


def far_from_stock(cfg):
    """The toy model config ``cfg`` changed where the texts state values:
    ResNet-101, a softmax RPN of 128 channels, class-agnostic regression,
    a 256-RoI sampler with fraction 0.5, RoI IoU thresholds 0.6 / 0.4,
    other nms_pre and score_thr."""
    cfg.backbone.depth = 101
    cfg.rpn_head.loss_cls = dict(type='CrossEntropyLoss', use_sigmoid=False,
                                 loss_weight=1.0)
    cfg.rpn_head.feat_channels = 128
    cfg.roi_head.bbox_head.reg_class_agnostic = True
    rcnn = cfg.train_cfg.rcnn
    rcnn.sampler.update(num=256, pos_fraction=0.5)
    rcnn.assigner.update(pos_iou_thr=0.6, neg_iou_thr=0.4, min_pos_iou=0.4)
    cfg.train_cfg.rpn_proposal.nms_pre = 700
    cfg.test_cfg.rpn.nms_pre = 600
    cfg.test_cfg.rcnn.score_thr = 0.2
    return cfg


def traced_small_steps(cfg):
    """One traced train step and one traced test step of the model of
    ``cfg`` (a model config whose ``trace`` names an ``out_dir``) on two
    images of 64 x 96, the first with one box of class 4, the second
    with none; the tracer is closed, so the pages are written."""
    from mmcv import ConfigDict
    from mmdet.models import build_detector

    import mmdet_frcnn_annotated  # noqa: F401
    torch.manual_seed(0)
    model = build_detector(ConfigDict(copy.deepcopy(cfg)))
    inputs = demo_inputs([(64, 96), (64, 96)], [[[8, 8, 50, 40]], []],
                         [[4], []])
    model.train()
    model.train_step(inputs, None)
    model.eval()
    with torch.no_grad():
        model(img=[inputs['img']], img_metas=[inputs['img_metas']],
              return_loss=False, rescale=True)
    model.tracer.close()


# Two images of 256 x 320: the first with three boxes, the second with no
# ground truth at all.
TRAIN_SIZES = [(256, 320), (256, 320)]
TRAIN_BOXES = [[[16, 24, 112, 136], [150, 60, 300, 200], [40, 170, 90, 250]],
               []]
TRAIN_LABELS = [[0, 2, 1], []]


def _losses_and_grads(model, inputs):
    model.train()
    model.zero_grad()
    torch.manual_seed(1)  # the samplers draw from torch's generator
    losses = model(**inputs, return_loss=True)
    loss, log_vars = model._parse_losses(losses)
    loss.backward()
    grads = {
        name: p.grad.clone()
        for name, p in model.named_parameters() if p.grad is not None
    }
    return losses, grads, log_vars


def _detections(model, inputs):
    model.eval()
    with torch.no_grad():
        return model(
            img=[inputs['img']],
            img_metas=[inputs['img_metas']],
            return_loss=False,
            rescale=True)


@pytest.fixture(scope='session')
def stepped_models(tmp_path_factory):
    """One train step and one test step of stock FasterRCNN, the annotated
    model with tracing off, and with tracing on (through its tracer, so the
    trace is written to disk). All share one state_dict."""
    return make_stepped_models(str(tmp_path_factory.mktemp('trace')))


def make_stepped_models(out_dir):
    """What :func:`stepped_models` holds, traced into ``out_dir``."""
    from mmdet_frcnn_annotated.tracefile import read_trace
    stock = build_model(False)
    state = stock.state_dict()
    off = build_model(True, seed=1, trace=dict(phases=[]))
    on = build_model(True, seed=2, trace=dict(out_dir=out_dir))
    off.load_state_dict(state)
    on.load_state_dict(state)
    inputs = demo_inputs(TRAIN_SIZES, TRAIN_BOXES, TRAIN_LABELS)
    runs = {}
    for name, model in (('stock', stock), ('off', off), ('on', on)):
        if name == 'on':
            recorder = model.tracer.start_train()
            from mmdet_frcnn_annotated.runtime.recorder import recording

            # as train_step does: the recorder and the line capture
            with recording(recorder), model.tracer.capture(recorder):
                losses, grads, log_vars = _losses_and_grads(
                    model, copy.deepcopy(inputs))
            recorder.losses(log_vars)  # as train_step does
            model.tracer.finish(recorder)
        else:
            losses, grads, _ = _losses_and_grads(model,
                                                 copy.deepcopy(inputs))
        dets = _detections(model, copy.deepcopy(inputs))
        runs[name] = dict(model=model, losses=losses, grads=grads, dets=dets)
    on.tracer.close()
    traces = read_trace(osp.join(out_dir, 'trace_rank0.jsonl'))
    runs['trace'] = {records[0].phase: records for records in traces}
    runs['out_dir'] = out_dir
    runs['inputs'] = inputs
    return runs


# Tensor methods and functions that wait for the device (on a GPU each is a
# host-device synchronisation).
HOST_SYNCS = (('Tensor', 'item'), ('Tensor', 'tolist'), ('Tensor', 'cpu'),
              ('Tensor', 'numpy'), ('Tensor', 'nonzero'),
              ('Tensor', '__bool__'), ('torch', 'nonzero'))


@contextlib.contextmanager
def count_host_syncs():
    """Count calls of :data:`HOST_SYNCS` inside the block: yields a dict
    ``{'Tensor.item': n, ...}`` filled as the block runs. The real methods
    still run; they are restored afterwards."""
    counts = {f'{owner}.{name}': 0 for owner, name in HOST_SYNCS}
    saved = []
    for owner_name, name in HOST_SYNCS:
        owner = torch.Tensor if owner_name == 'Tensor' else torch
        original = getattr(owner, name)
        key = f'{owner_name}.{name}'

        def counted(*args, _original=original, _key=key, **kwargs):
            counts[_key] += 1
            return _original(*args, **kwargs)

        saved.append((owner, name, original))
        setattr(owner, name, counted)
    try:
        yield counts
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


class MmdetLog(logging.Handler):
    """What mmdet's logger says inside the block, in ``lines`` (its log
    file is set up only by the first run of a process, so the tests listen
    to the logger)."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())

    def __enter__(self):
        logging.getLogger('mmdet').addHandler(self)
        return self

    def __exit__(self, *exc):
        logging.getLogger('mmdet').removeHandler(self)


GOLDEN_DIR = osp.join(REPO, 'tests', 'data')


def assert_matches_golden(path, text):
    """``text`` equals the golden file at ``path``. The golden files are
    written by ``scripts/regenerate_golden.py``, never by a test."""
    with open(path, encoding='utf-8') as f:
        golden = f.read()
    assert text == golden, (
        f'{path} differs from what the code renders; after a deliberate '
        f'change, run `python scripts/regenerate_golden.py` and review the '
        f'diff')


@pytest.fixture(scope='session')
def browser():
    """Headless Chromium (see ``tests/browser.py``)."""
    from browser import chromium
    with chromium() as launched:
        yield launched
