"""Faster R-CNN that records the shape of every stage of a step.

Glossary: N images; H, W padded batch size; h_l, w_l = ceil(H / 2^l),
ceil(W / 2^l) for levels l = 2..6 (P2..P6, strides 4..64; C2..C5 of the
backbone share h_2..h_5, except a dilated stage, which keeps the level of
its input: DC5's C5 is h_4 x w_4); A anchors per location; C classes; G_i
ground-truth boxes of image i; T anchors of one image.

The detector only orchestrates, as mmdet's does: it binds the symbols of
the batch, records the input, the backbone and the neck, and lets the
annotated heads record their own stages. Numerics are mmdet's: every
override calls the same mmdet code in the same order.
"""
import math

import mmcv
import numpy as np
from mmdet.models.builder import DETECTORS
from mmdet.models.detectors import TwoStageDetector
from torch import nn

from ...knowledge.stages import CONFIG_FACTS
from ...knowledge.symbols import level_of_stride
from ...registry import register
from ...runtime.boxes import box_values
from ...runtime.config_facts import config_facts
from ...runtime.log_stats import StepCounts, counting
from ...runtime.recorder import get_recorder, recording
from ...runtime.settings import TraceSettings
from ...tracer import ShapeTracer
from .cpu_compat import cuda_or_stay, drop_cpu_scatter_axis


@register(DETECTORS)
class AnnotatedFasterRCNN(TwoStageDetector):
    """``FasterRCNN`` with a shape trace.

    Args:
        trace (dict, optional): tracing settings, see
            :class:`~mmdet_frcnn_annotated.runtime.settings.TraceSettings`.
            Both ``tools/train.py`` (with ``ShapeTraceHook``) and
            ``tools/test.py`` honour them.
        Others as mmdet's ``FasterRCNN``.
    """

    def __init__(self,
                 backbone,
                 rpn_head,
                 roi_head,
                 train_cfg,
                 test_cfg,
                 neck=None,
                 pretrained=None,
                 trace=None):
        super().__init__(
            backbone=backbone,
            neck=neck,
            rpn_head=rpn_head,
            roi_head=roi_head,
            train_cfg=train_cfg,
            test_cfg=test_cfg,
            pretrained=pretrained)
        self.tracer = ShapeTracer(TraceSettings.from_config(trace))

    # CPU compatibility (no effect where CUDA is available) -----------------
    def cuda(self, device=None):
        return cuda_or_stay(self, super().cuda, device)

    def _inputs_for_device(self, data):
        if next(self.parameters()).is_cuda:
            return data
        return drop_cpu_scatter_axis(data)

    # entry points ------------------------------------------------------------
    def train_step(self, data, optimizer):
        """mmdet's train step; the counts of the step (``log_stats``) join
        its ``log_vars``, and a traced step is recorded."""
        data = self._inputs_for_device(data)
        counts = StepCounts() if self.tracer.settings.log_stats else None
        recorder = self.tracer.start_train()
        with counting(counts):
            if recorder is None:
                outputs = super().train_step(data, optimizer)
            else:
                with recording(recorder), self.tracer.capture(recorder):
                    outputs = super().train_step(data, optimizer)
        if recorder is not None:
            recorder.losses(outputs['log_vars'])
            self.tracer.finish(recorder)
        if counts is not None:
            outputs['log_vars'].update(counts.as_log_vars())
        return outputs

    def val_step(self, data, optimizer=None):
        return super().val_step(self._inputs_for_device(data), optimizer)

    def forward_test(self, imgs, img_metas, **kwargs):
        recorder = self.tracer.start_test()
        if recorder is None:
            return super().forward_test(imgs, img_metas, **kwargs)
        with recording(recorder), self.tracer.capture(recorder):
            results = super().forward_test(imgs, img_metas, **kwargs)
        self.tracer.finish(recorder)
        return results

    # stages ------------------------------------------------------------------
    def extract_feat(self, img):
        """Backbone then neck, as ``TwoStageDetector.extract_feat``."""
        rec = get_recorder()
        if rec is None:
            return super().extract_feat(img)
        x = self.backbone(img)
        with rec.guard('backbone'):
            self._record_features(rec, 'backbone', x)
        if self.with_neck:
            x = self.neck(x)
            with rec.guard('neck'):
                self._record_features(rec, 'neck', x)
        return x

    def _record_features(self, rec, stage, feats):
        """C2..C5 of the backbone, or P2..P6 of the neck: (N, c, h_l, w_l)."""
        if stage == 'backbone':
            levels = self._backbone_levels()
            names = [f'C{i + 2}' for i in self._out_indices()]
            channels = [feat.shape[1] for feat in feats]
        else:
            # a list of necks (FPN then BFP) is an nn.Sequential: its first
            # part says where the levels start and how many channels
            neck = self.neck[0] if isinstance(self.neck,
                                              nn.Sequential) else self.neck
            first = getattr(neck, 'start_level', 0) + 2 + min(
                self._out_indices())
            levels = [first + offset for offset in range(len(feats))]
            names = [f'P{level}' for level in levels]
            channels = [neck.out_channels] * len(feats)
        origin = (self.backbone if stage == 'backbone' else self.neck,
                  'forward')
        for name, level, ch, feat in zip(names, levels, channels, feats):
            rec.tensor(stage, name, feat, ['N', ch, f'h_{level}',
                                           f'w_{level}'], origin)

    def forward_train(self, img, img_metas, gt_bboxes, gt_labels,
                      gt_bboxes_ignore=None, **kwargs):
        rec = get_recorder()
        if rec is not None:
            self._record_input(rec, img, img_metas, 'forward_train')
            for i, (bboxes, labels) in enumerate(zip(gt_bboxes, gt_labels)):
                rec.bind(**{f'G_{i}': bboxes.shape[0]})
                rec.tensor('input', f'gt_bboxes[{i}]', bboxes, [f'G_{i}', 4],
                           (self, 'forward_train'))
                rec.tensor('input', f'gt_labels[{i}]', labels, [f'G_{i}'],
                           (self, 'forward_train'))
                rec.boxes(
                    'input', 'ground truth',
                    lambda i=i, bboxes=bboxes, labels=labels: box_values(
                        i, bboxes, labels=labels),
                    (self, 'forward_train'))
        return super().forward_train(img, img_metas, gt_bboxes, gt_labels,
                                     gt_bboxes_ignore, **kwargs)

    def simple_test(self, img, img_metas, proposals=None, rescale=False):
        rec = get_recorder()
        if rec is None:
            return super().simple_test(img, img_metas, proposals, rescale)
        self._record_input(rec, img, img_metas, 'simple_test')
        results = super().simple_test(img, img_metas, proposals, rescale)
        rec.stats(
            'roi_head/detections', 'per-class result list', lambda: {
                'images': len(results),
                'classes per image': len(_boxes(results[0])) if results
                else 0,
                'detections per image': [
                    int(sum(len(per_class) for per_class in _boxes(per_image)))
                    for per_image in results
                ],
            }, (self.roi_head, 'simple_test'))
        return results

    # helpers -----------------------------------------------------------------
    def _class_names(self):
        """The dataset's class names, which mmdet's tools set on the model
        (``model.CLASSES``), or None."""
        return getattr(self, 'CLASSES', None)

    def _out_indices(self):
        """Which of the backbone's stages it returns: ``out_indices``
        (ResNet and its kin), else one per branch of the last stage
        (HRNet's four, strides 4 to 32)."""
        indices = getattr(self.backbone, 'out_indices', None)
        if indices is None:
            last = getattr(self.backbone, 'stage4_cfg', None) or {}
            indices = range(last.get('num_branches', 4))
        return list(indices)

    def _backbone_levels(self):
        """Level l (stride 2^l) of each backbone output. ResNet-like
        backbones give their stage strides (a dilated stage, as in DC5,
        has stride 1 and keeps its input's size); others are taken to
        halve at every stage after the stride-4 stem."""
        strides = getattr(self.backbone, 'strides', None)
        indices = self._out_indices()
        if strides is None or len(strides) <= max(indices):
            return [i + 2 for i in indices]
        return [
            level_of_stride(4 * math.prod(strides[:i + 1])) for i in indices
        ]

    def _bind_batch(self, rec, img):
        n, _, h, w = img.shape
        rec.bind(N=n, H=h, W=w)
        levels = set(self._backbone_levels())
        generator = self.rpn_head.anchor_generator
        levels.update(level_of_stride(s) for s in generator.strides)
        for level in sorted(levels):
            rec.bind(**{
                f'h_{level}': math.ceil(h / 2**level),
                f'w_{level}': math.ceil(w / 2**level)
            })
        num_anchors = generator.num_base_anchors[0]
        rec.bind(
            A=num_anchors,
            C=_last(self.roi_head.bbox_head).num_classes,
            T=sum(
                math.ceil(h / 2**level_of_stride(s)) *
                math.ceil(w / 2**level_of_stride(s)) * num_anchors
                for s in generator.strides))

    def _record_input(self, rec, img, img_metas, method):
        with rec.guard('symbols of the batch'):
            self._bind_batch(rec, img)
        rec.config(lambda: config_facts(self, CONFIG_FACTS))
        rec.tensor('input', 'img', img, ['N', 3, 'H', 'W'], (self, method))
        rec.keep_images(lambda: _input_images(img, img_metas))
        rec.boxes('input', 'class names',
                  lambda: {'classes': list(self._class_names() or [])})
        rec.stats(
            'input', 'img_metas', lambda: {
                f'image {i}': {
                    key: _plain(meta[key])
                    for key in ('img_shape', 'pad_shape', 'scale_factor',
                                'flip') if key in meta
                }
                for i, meta in enumerate(img_metas)
            }, (self, method))


def _last(head):
    """The head, or a cascade's last stage's."""
    return head[-1] if isinstance(head, nn.ModuleList) else head


def _boxes(result):
    """The per-class box arrays of one image's result (a Mask R-CNN's is a
    pair: boxes and masks)."""
    return result[0] if isinstance(result, tuple) else result


def _input_images(img, img_metas):
    """The batch as the network saw it, one uint8 BGR array per image cut
    to its ``img_shape``: de-normalised with the pipeline's
    ``img_norm_cfg``, or stretched to 0..255 when the metas lack it."""
    norm = img_metas[0].get('img_norm_cfg')
    if norm is not None:
        images = mmcv.tensor2imgs(
            img.detach(), mean=norm['mean'], std=norm['std'],
            to_rgb=norm['to_rgb'])
    else:
        array = img.detach().float().cpu().numpy().transpose(0, 2, 3, 1)
        low = array.min(axis=(1, 2, 3), keepdims=True)
        high = array.max(axis=(1, 2, 3), keepdims=True)
        images = list(((array - low) / np.maximum(high - low, 1e-6) *
                       255).astype(np.uint8))
    return [
        np.ascontiguousarray(image[:meta['img_shape'][0], :meta[
            'img_shape'][1]]) for image, meta in zip(images, img_metas)
    ]


def _plain(value):
    """JSON-friendly copy of a meta value (tuples, numpy arrays, bools)."""
    if hasattr(value, 'tolist'):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
