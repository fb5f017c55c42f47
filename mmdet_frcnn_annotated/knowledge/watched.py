"""The functions whose lines the listing shows: the one place they are named.

Each entry names a function as ``'module:Qualified.name'`` and says how to
label the passes of the listing:

* ``per``: what successive calls with the same call path are (``'level'``
  for a function that ``multi_apply`` runs once per FPN level, ``'image'``
  for one that runs once per image);
* ``loops``: loop variables inside the function and what they count
  (``{'idx': 'level'}``); a line inside such a loop keeps one entry per pass;
* ``facts``: values the explanation of the function quotes, read off the
  frame when the function returns (``'self.pos_iou_thr'``, ``'cfg.nms_pre'``),
  named by the path's last part or, written ``'name=path'``, by ``name``;
* ``reproduces``: for a function of this package that re-implements an
  mmdet one step by step to see inside it, the mmdet function it reproduces.

A config adds functions with ``trace.listing_functions`` (same string form);
they are listed with their shapes, without an explanation unless the text
files have one.
"""
import ast
import inspect
import textwrap
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

from .sources import function_origin, resolve
from .watch_spec import Spec
from .watched_heads import HEAD_WATCHED

_PKG = 'mmdet_frcnn_annotated.models.'

_DETECTOR = 'mmdet.models.detectors.two_stage:TwoStageDetector.'
_DENSE = 'mmdet.models.dense_heads.'
_ANCHOR_HEAD = _DENSE + 'anchor_head:AnchorHead.'
_GENERATOR = 'mmdet.core.anchor.anchor_generator:AnchorGenerator.'
_ASSIGNER = 'mmdet.core.bbox.assigners.max_iou_assigner:MaxIoUAssigner.'
_SAMPLERS = 'mmdet.core.bbox.samplers.'
_CODER = 'mmdet.core.bbox.coder.delta_xywh_bbox_coder:'
_ROI = 'mmdet.models.roi_heads.'
_BBOX_HEAD = _ROI + 'bbox_heads.bbox_head:BBoxHead.'
_TRANSFORMS = 'mmdet.core.bbox.transforms:'
_EXTRACTOR = (_ROI + 'roi_extractors.single_level_roi_extractor:'
              'SingleRoIExtractor.')
_OWN_ROI_HEAD = (_PKG + 'roi_heads.annotated_standard_roi_head:'
                 'AnnotatedStandardRoIHead.')

_ASSIGNER_FACTS = ('self.pos_iou_thr', 'self.neg_iou_thr', 'self.min_pos_iou',
                   'self.match_low_quality', 'self.gt_max_assign_all',
                   'self.ignore_iof_thr')
_SAMPLER_FACTS = ('self.num', 'self.pos_fraction', 'self.neg_pos_ub',
                  'self.add_gt_as_proposals',
                  'sampler=self.__class__.__name__')
# The losses of a head: their types and weights.
_LOSS_FACTS = ('loss_cls=self.loss_cls.__class__.__name__',
               'loss_cls_weight=self.loss_cls.loss_weight',
               'loss_bbox=self.loss_bbox.__class__.__name__',
               'loss_bbox_weight=self.loss_bbox.loss_weight')
_HEAD_FACTS = ('self.num_classes', 'self.use_sigmoid_cls',
               'self.cls_out_channels', 'self.num_anchors', 'self.sampling',
               'self.reg_decoded_bbox',
               'sampler=self.sampler.sampler.__class__.__name__|'
               'self.sampler.__class__.__name__') + _LOSS_FACTS
_BBOX_HEAD_FACTS = ('self.num_classes', 'self.reg_class_agnostic',
                    'self.reg_decoded_bbox') + _LOSS_FACTS
_ROI_LAYER = 'self.bbox_roi_extractor.roi_layers.0.'
_CODER_FACTS = ('self.means', 'self.stds')


# Every watched function, by name: Faster R-CNN's here, the mask branch's
# and the cascade's in :mod:`.watched_heads`.
WATCHED = {
    _DETECTOR + 'forward_train':
    Spec(facts=('self.train_cfg.rpn_proposal.nms_pre',
                'self.train_cfg.rpn_proposal.max_per_img',
                'self.with_rpn',
                'rcnn_num=self.train_cfg.rcnn.sampler.num',
                'rcnn_add_gt=self.train_cfg.rcnn.sampler.add_gt_as_proposals',
                'num_classes=self.roi_head.bbox_head.num_classes',
                'num_stages=self.roi_head.num_stages')),
    _PKG + 'detectors.annotated_faster_rcnn:AnnotatedFasterRCNN.extract_feat':
    # a list of necks is an nn.Sequential: its parts' names, and the FPN
    # facts of its first part
    Spec(facts=('self.backbone.out_indices',
                'num_outs=self.neck.num_outs|self.neck.0.num_outs',
                'backbone=self.backbone.__class__.__name__',
                'self.backbone.depth',
                'neck=self.neck.*.__class__.__name__|'
                'self.neck.__class__.__name__',
                'neck_channels=self.neck.out_channels|'
                'self.neck.0.out_channels',
                'add_extra_convs=self.neck.add_extra_convs|'
                'self.neck.0.add_extra_convs',
                'upsample=self.neck.upsample_cfg.mode|'
                'self.neck.0.upsample_cfg.mode'),
         reproduces=_DETECTOR + 'extract_feat'),
    _DETECTOR + 'extract_feat':
    Spec(),
    _DETECTOR + 'simple_test':
    Spec(facts=('self.with_rpn',
                'num_classes=self.roi_head.bbox_head.num_classes',
                'num_stages=self.roi_head.num_stages')),
    _DENSE + 'base_dense_head:BaseDenseHead.forward_train':
    Spec(),
    _PKG + 'dense_heads.annotated_anchor_head:AnnotatedAnchorHead.forward':
    Spec(loops={'level': 'level'},
         facts=('self.cls_out_channels', ),
         reproduces=_ANCHOR_HEAD + 'forward'),
    _DENSE + 'rpn_head:RPNHead.forward_single':
    Spec(per='level',
         facts=('self.feat_channels', 'self.num_anchors',
                'self.cls_out_channels', 'self.in_channels')),
    _DENSE + 'rpn_head:RPNHead.loss':
    Spec(facts=('self.cls_out_channels', 'self.sampling') + _LOSS_FACTS),
    _PKG + 'dense_heads.annotated_rpn_head:AnnotatedRPNHead._get_bboxes':
    Spec(loops={
        'idx': 'level',
        'i': 'image'
    },
         facts=('cfg.nms_pre', 'cfg.max_per_img', 'cfg.nms.iou_threshold',
                'cfg.min_bbox_size', 'self.cls_out_channels'),
         reproduces=_DENSE + 'rpn_head:RPNHead._get_bboxes'),
    _DENSE + 'rpn_head:RPNHead._get_bboxes':
    Spec(loops={'idx': 'level'},
         facts=('cfg.nms_pre', 'cfg.max_per_img', 'cfg.nms.iou_threshold',
                'cfg.min_bbox_size', 'self.cls_out_channels')),
    _DENSE + 'rpn_test_mixin:RPNTestMixin.simple_test_rpn':
    Spec(),
    _ANCHOR_HEAD + 'get_anchors':
    Spec(loops={'img_id': 'image'}),
    _ANCHOR_HEAD + 'get_targets':
    Spec(loops={'i': 'image'}, facts=_HEAD_FACTS),
    _ANCHOR_HEAD + '_get_targets_single':
    Spec(per='image',
         facts=_HEAD_FACTS +
         ('self.train_cfg.allowed_border', 'self.train_cfg.pos_weight')),
    _ANCHOR_HEAD + 'loss':
    Spec(loops={'i': 'image'}, facts=_HEAD_FACTS),
    _ANCHOR_HEAD + 'loss_single':
    Spec(per='level', facts=_HEAD_FACTS),
    _ANCHOR_HEAD + 'get_bboxes':
    Spec(facts=('self.cls_out_channels', )),
    _GENERATOR + 'grid_anchors':
    Spec(loops={'i': 'level'},
         facts=('self.strides', 'self.base_sizes', 'self.num_base_anchors')),
    _GENERATOR + 'single_level_grid_anchors':
    Spec(per='level'),
    _GENERATOR + 'valid_flags':
    Spec(loops={'i': 'level'}),
    _GENERATOR + 'single_level_valid_flags':
    Spec(per='level'),
    _ASSIGNER + 'assign':
    Spec(per='image', facts=_ASSIGNER_FACTS),
    _ASSIGNER + 'assign_wrt_overlaps':
    Spec(per='image', loops={'i': 'gt'}, facts=_ASSIGNER_FACTS),
    _SAMPLERS + 'base_sampler:BaseSampler.sample':
    Spec(per='image', facts=_SAMPLER_FACTS),
    _SAMPLERS + 'random_sampler:RandomSampler._sample_pos':
    Spec(per='image'),
    _SAMPLERS + 'random_sampler:RandomSampler._sample_neg':
    Spec(per='image'),
    _SAMPLERS + 'random_sampler:RandomSampler.random_choice':
    Spec(per='image'),
    _CODER + 'DeltaXYWHBBoxCoder.encode':
    Spec(facts=_CODER_FACTS),
    _CODER + 'DeltaXYWHBBoxCoder.decode':
    Spec(facts=_CODER_FACTS),
    _CODER + 'bbox2delta':
    Spec(),
    _CODER + 'delta2bbox':
    Spec(),
    _ROI + 'standard_roi_head:StandardRoIHead.forward_train':
    Spec(loops={'i': 'image'},
         facts=('self.train_cfg.sampler.num',
                'self.train_cfg.sampler.pos_fraction',
                'self.train_cfg.sampler.add_gt_as_proposals',
                'sampler=self.bbox_sampler.sampler.__class__.__name__|'
                'self.bbox_sampler.__class__.__name__',
                'self.train_cfg.assigner.pos_iou_thr',
                'self.train_cfg.assigner.neg_iou_thr',
                'num_classes=self.bbox_head.num_classes')),
    _ROI + 'standard_roi_head:StandardRoIHead._bbox_forward':
    Spec(facts=('self.bbox_head.reg_class_agnostic',
                'num_classes=self.bbox_head.num_classes',
                'out_channels=self.bbox_roi_extractor.out_channels',
                'roi_size=' + _ROI_LAYER + 'output_size.0',
                'featmap_strides=self.bbox_roi_extractor.featmap_strides',
                'self.with_shared_head')),
    _OWN_ROI_HEAD + '_bbox_forward_train':
    Spec(reproduces=_ROI +
         'standard_roi_head:StandardRoIHead._bbox_forward_train'),
    _ROI + 'standard_roi_head:StandardRoIHead._bbox_forward_train':
    Spec(),
    _ROI + 'standard_roi_head:StandardRoIHead.simple_test':
    Spec(facts=('num_classes=self.bbox_head.num_classes', )),
    _ROI + 'test_mixins:BBoxTestMixin.simple_test_bboxes':
    Spec(loops={'i': 'image'},
         facts=('self.bbox_head.reg_class_agnostic', 'rcnn_test_cfg.score_thr',
                'rcnn_test_cfg.max_per_img',
                'rcnn_test_cfg.nms.iou_threshold')),
    _EXTRACTOR + 'forward':
    Spec(loops={'i': 'level'},
         facts=('self.featmap_strides', 'self.out_channels',
                'roi_size=self.roi_layers.0.output_size.0',
                'roi_layer=self.roi_layers.0.__class__.__name__',
                'sampling_ratio=self.roi_layers.0.sampling_ratio')),
    _EXTRACTOR + 'map_roi_levels':
    Spec(facts=('self.finest_scale', )),
    _ROI + 'bbox_heads.convfc_bbox_head:ConvFCBBoxHead.forward':
    Spec(loops={'fc': 'fc'},
         facts=('self.num_shared_fcs', 'self.fc_out_channels',
                'self.num_classes', 'self.reg_class_agnostic',
                'bbox_head=self.__class__.__name__', 'self.num_shared_convs',
                'self.conv_out_channels', 'self.num_cls_convs',
                'self.num_cls_fcs', 'self.num_reg_convs', 'self.num_reg_fcs',
                'self.in_channels', 'self.roi_feat_size')),
    _BBOX_HEAD + 'forward':
    Spec(facts=_BBOX_HEAD_FACTS + ('self.with_avg_pool', 'self.in_channels',
                                   'self.roi_feat_size')),
    _ROI + 'shared_heads.res_layer:ResLayer.forward':
    Spec(facts=('self.stage', )),
    _BBOX_HEAD + 'get_targets':
    Spec(facts=_BBOX_HEAD_FACTS),
    _BBOX_HEAD + '_get_target_single':
    Spec(per='image', facts=_BBOX_HEAD_FACTS),
    _BBOX_HEAD + 'loss':
    Spec(facts=_BBOX_HEAD_FACTS),
    _BBOX_HEAD + 'get_bboxes':
    Spec(loops={'bbox': 'image'}, facts=_BBOX_HEAD_FACTS),
    'mmdet.core.post_processing.bbox_nms:multiclass_nms':
    Spec(per='image', facts=('score_thr', 'max_num', 'nms_cfg.iou_threshold')),
    _TRANSFORMS + 'bbox2roi':
    Spec(loops={'img_id': 'image'}),
    _TRANSFORMS + 'bbox2result':
    Spec(per='image', facts=('num_classes', )),
}

WATCHED.update(HEAD_WATCHED)


@dataclass(frozen=True, eq=False)
class Watched:
    """One watched function, resolved.

    Attributes:
        name (str): ``'Class.method'`` or ``'function'``, as mmdet spells it.
        owner (type | None): the class that defines it.
        source (str): ``file:line`` of its definition, inside the installed
            package (``mmdet/models/...py:41``).
        per, loops, facts: see the module docstring.
        reproduces (str | None): ``'Class.method'`` of the mmdet function a
            function of this package re-implements.
        reproduces_source (str | None): that function's ``file:line``.
    """
    name: str
    owner: Optional[type]
    source: str
    per: Optional[str] = None
    loops: Dict[str, str] = field(default_factory=dict)
    facts: Tuple[str, ...] = ()
    reproduces: Optional[str] = None
    reproduces_source: Optional[str] = None
    loop_lines: Dict[str, tuple] = field(default_factory=dict)


def source_of(func):
    """``file:line`` of ``func`` relative to its top-level package."""
    return function_origin(func)[1]


def watched_codes(extra=()):
    """``{code object: Watched}`` for the built-in list plus ``extra``."""
    specs = dict(WATCHED)
    for spec in extra:
        specs.setdefault(spec, Spec())
    codes = {}
    for spec, entry in specs.items():
        per, loops, facts, reproduces = (entry.per, entry.loops, entry.facts,
                                         entry.reproduces)
        func, owner = resolve(spec)
        name = spec.split(':', 1)[1]
        reproduced = reproduced_source = None
        if reproduces:
            reproduced_func, _ = resolve(reproduces)
            reproduced = reproduces.split(':', 1)[1]
            reproduced_source = source_of(reproduced_func)
        codes[func.__code__] = Watched(name=name,
                                       owner=owner,
                                       source=source_of(func),
                                       per=per,
                                       loops=dict(loops),
                                       facts=tuple(facts),
                                       reproduces=reproduced,
                                       reproduces_source=reproduced_source,
                                       loop_lines=loop_lines(func, loops))
    return codes


def loop_lines(func, loops):
    """``{variable: ((first, last, kind), ...)}``: the lines of each ``for``
    loop (its header and body) that binds a variable of ``loops``, in file
    numbering and source order, with what its passes count: ``loops``
    gives one kind for every such loop, or a tuple of kinds, one per loop
    in source order (``CascadeRoIHead.simple_test`` loops over its stages
    and then over its images with one ``i``)."""
    if not loops:
        return {}
    try:
        lines, first = inspect.getsourcelines(func)
    except (OSError, TypeError):
        return {}
    tree = ast.parse(textwrap.dedent(''.join(lines)))
    spans = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.For):
            continue
        for target in ast.walk(node.target):
            if isinstance(target, ast.Name) and target.id in loops:
                spans.setdefault(target.id, []).append(
                    (node.lineno + first - 1,
                     node.body[-1].end_lineno + first - 1))
    found = {}
    for var, found_spans in spans.items():
        kinds = loops[var]
        kinds = (kinds, ) * len(found_spans) if isinstance(kinds,
                                                           str) else kinds
        found[var] = tuple((start, end, kind) for (start, end), kind in zip(
            sorted(found_spans), kinds))
    return found
