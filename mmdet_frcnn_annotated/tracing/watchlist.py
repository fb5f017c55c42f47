"""The functions whose lines the listing shows: the one place they are named.

Each entry names a function as ``'module:Qualified.name'`` and says how to
label the passes of the listing:

* ``per``: what successive calls with the same call path are (``'level'``
  for a function that ``multi_apply`` runs once per FPN level, ``'image'``
  for one that runs once per image);
* ``loops``: loop variables inside the function and what they count
  (``{'idx': 'level'}``); a line inside such a loop keeps one entry per pass;
* ``facts``: values the explanation of the function quotes, read off the
  frame when the function returns (``'self.pos_iou_thr'``, ``'cfg.nms_pre'``);
* ``reproduces``: for a function of this package that re-implements an
  mmdet one step by step to see inside it, the mmdet function it reproduces.

A config adds functions with ``trace.listing_functions`` (same string form);
they are listed with their shapes, without an explanation unless the text
files have one.
"""
import ast
import importlib
import inspect
import textwrap
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

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

_ASSIGNER_FACTS = ('self.pos_iou_thr', 'self.neg_iou_thr', 'self.min_pos_iou',
                   'self.match_low_quality', 'self.gt_max_assign_all',
                   'self.ignore_iof_thr')
_SAMPLER_FACTS = ('self.num', 'self.pos_fraction', 'self.neg_pos_ub',
                  'self.add_gt_as_proposals')
_HEAD_FACTS = ('self.num_classes', 'self.use_sigmoid_cls',
               'self.cls_out_channels', 'self.num_anchors', 'self.sampling',
               'self.reg_decoded_bbox')
_BBOX_HEAD_FACTS = ('self.num_classes', 'self.reg_class_agnostic',
                    'self.reg_decoded_bbox')
_CODER_FACTS = ('self.means', 'self.stds')

# name -> (per, loops, facts, reproduces)
WATCHED = {
    # the detector
    _DETECTOR + 'forward_train': (None, {}, (
        'self.train_cfg.rpn_proposal.nms_pre',
        'self.train_cfg.rpn_proposal.max_per_img'), None),
    _PKG + 'detectors.annotated_faster_rcnn:AnnotatedFasterRCNN.extract_feat':
    (None, {}, ('self.backbone.out_indices', 'self.neck.num_outs'),
     _DETECTOR + 'extract_feat'),
    _DETECTOR + 'extract_feat': (None, {}, (), None),
    _DETECTOR + 'simple_test': (None, {}, (), None),
    # the RPN
    _DENSE + 'base_dense_head:BaseDenseHead.forward_train': (None, {}, (),
                                                              None),
    _PKG + 'dense_heads.annotated_anchor_head:AnnotatedAnchorHead.forward':
    (None, {'level': 'level'}, ('self.cls_out_channels', ),
     _ANCHOR_HEAD + 'forward'),
    _DENSE + 'rpn_head:RPNHead.forward_single': ('level', {}, (
        'self.feat_channels', 'self.num_anchors', 'self.cls_out_channels'),
                                                 None),
    _DENSE + 'rpn_head:RPNHead.loss': (None, {}, ('self.cls_out_channels', ),
                                       None),
    _PKG + 'dense_heads.annotated_rpn_head:AnnotatedRPNHead._get_bboxes':
    (None, {'idx': 'level', 'i': 'image'}, (
        'cfg.nms_pre', 'cfg.max_per_img', 'cfg.nms.iou_threshold',
        'cfg.min_bbox_size', 'self.cls_out_channels'),
     _DENSE + 'rpn_head:RPNHead._get_bboxes'),
    _DENSE + 'rpn_head:RPNHead._get_bboxes': (None, {'idx': 'level'}, (
        'cfg.nms_pre', 'cfg.max_per_img', 'cfg.nms.iou_threshold',
        'cfg.min_bbox_size', 'self.cls_out_channels'), None),
    _DENSE + 'rpn_test_mixin:RPNTestMixin.simple_test_rpn': (None, {}, (),
                                                              None),
    _ANCHOR_HEAD + 'get_anchors': (None, {'img_id': 'image'}, (), None),
    _ANCHOR_HEAD + 'get_targets': (None, {'i': 'image'}, _HEAD_FACTS, None),
    _ANCHOR_HEAD + '_get_targets_single':
    ('image', {}, _HEAD_FACTS + ('self.train_cfg.allowed_border',
                                 'self.train_cfg.pos_weight'), None),
    _ANCHOR_HEAD + 'loss': (None, {'i': 'image'}, _HEAD_FACTS, None),
    _ANCHOR_HEAD + 'loss_single': ('level', {}, _HEAD_FACTS, None),
    _ANCHOR_HEAD + 'get_bboxes': (None, {}, ('self.cls_out_channels', ),
                                  None),
    # anchors
    _GENERATOR + 'grid_anchors': (None, {'i': 'level'}, (
        'self.strides', 'self.base_sizes', 'self.num_base_anchors'), None),
    _GENERATOR + 'single_level_grid_anchors': ('level', {}, (), None),
    _GENERATOR + 'valid_flags': (None, {'i': 'level'}, (), None),
    _GENERATOR + 'single_level_valid_flags': ('level', {}, (), None),
    # assigning and sampling
    _ASSIGNER + 'assign': ('image', {}, _ASSIGNER_FACTS, None),
    _ASSIGNER + 'assign_wrt_overlaps': ('image', {'i': 'gt'},
                                        _ASSIGNER_FACTS, None),
    _SAMPLERS + 'base_sampler:BaseSampler.sample': ('image', {},
                                                    _SAMPLER_FACTS, None),
    _SAMPLERS + 'random_sampler:RandomSampler._sample_pos': ('image', {}, (),
                                                             None),
    _SAMPLERS + 'random_sampler:RandomSampler._sample_neg': ('image', {}, (),
                                                             None),
    _SAMPLERS + 'random_sampler:RandomSampler.random_choice': ('image', {},
                                                               (), None),
    # box coding
    _CODER + 'DeltaXYWHBBoxCoder.encode': (None, {}, _CODER_FACTS, None),
    _CODER + 'DeltaXYWHBBoxCoder.decode': (None, {}, _CODER_FACTS, None),
    _CODER + 'bbox2delta': (None, {}, (), None),
    _CODER + 'delta2bbox': (None, {}, (), None),
    # the RoI head
    _ROI + 'standard_roi_head:StandardRoIHead.forward_train':
    (None, {'i': 'image'}, ('self.train_cfg.sampler.num',
                            'self.train_cfg.sampler.pos_fraction'), None),
    _ROI + 'standard_roi_head:StandardRoIHead._bbox_forward': (None, {}, (
        'self.bbox_head.reg_class_agnostic', ), None),
    _PKG + 'roi_heads.annotated_standard_roi_head:'
    'AnnotatedStandardRoIHead._bbox_forward_train':
    (None, {}, (), _ROI + 'standard_roi_head:StandardRoIHead.'
     '_bbox_forward_train'),
    _ROI + 'standard_roi_head:StandardRoIHead._bbox_forward_train':
    (None, {}, (), None),
    _ROI + 'standard_roi_head:StandardRoIHead.simple_test': (None, {}, (),
                                                             None),
    _ROI + 'test_mixins:BBoxTestMixin.simple_test_bboxes':
    (None, {'i': 'image'}, ('self.bbox_head.reg_class_agnostic',
                            'rcnn_test_cfg.score_thr',
                            'rcnn_test_cfg.max_per_img',
                            'rcnn_test_cfg.nms.iou_threshold'), None),
    _ROI + 'roi_extractors.single_level_roi_extractor:'
    'SingleRoIExtractor.forward': (None, {'i': 'level'}, (
        'self.featmap_strides', 'self.out_channels'), None),
    _ROI + 'roi_extractors.single_level_roi_extractor:'
    'SingleRoIExtractor.map_roi_levels': (None, {}, ('self.finest_scale', ),
                                          None),
    _ROI + 'bbox_heads.convfc_bbox_head:ConvFCBBoxHead.forward':
    (None, {'fc': 'fc'}, ('self.num_shared_fcs', 'self.fc_out_channels',
                          'self.num_classes', 'self.reg_class_agnostic'),
     None),
    _BBOX_HEAD + 'forward': (None, {}, _BBOX_HEAD_FACTS, None),
    _ROI + 'shared_heads.res_layer:ResLayer.forward': (None, {}, (), None),
    _BBOX_HEAD + 'get_targets': (None, {}, _BBOX_HEAD_FACTS, None),
    _BBOX_HEAD + '_get_target_single': ('image', {}, _BBOX_HEAD_FACTS, None),
    _BBOX_HEAD + 'loss': (None, {}, _BBOX_HEAD_FACTS, None),
    _BBOX_HEAD + 'get_bboxes': (None, {'bbox': 'image'}, _BBOX_HEAD_FACTS,
                                None),
    # post-processing and conversions
    'mmdet.core.post_processing.bbox_nms:multiclass_nms': ('image', {}, (
        'score_thr', 'max_num', 'nms_cfg.iou_threshold'), None),
    _TRANSFORMS + 'bbox2roi': (None, {'img_id': 'image'}, (), None),
    _TRANSFORMS + 'bbox2result': ('image', {}, ('num_classes', ), None),
}


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
    loop_lines: Dict[str, Tuple[int, int]] = field(default_factory=dict)


def resolve(spec):
    """``(function, owner class or None)`` of ``'module:Qualified.name'``."""
    if ':' not in spec:
        raise ValueError(f'listing function {spec!r} must be written '
                         f"'module:Class.method' or 'module:function'")
    module_name, qualname = spec.split(':', 1)
    try:
        obj = importlib.import_module(module_name)
    except ImportError as err:
        raise ValueError(f'listing function {spec!r}: cannot import '
                         f'{module_name!r} ({err})') from None
    owner = None
    for part in qualname.split('.'):
        owner = obj if inspect.isclass(obj) else owner
        try:
            obj = vars(obj)[part] if inspect.isclass(obj) else getattr(
                obj, part)
        except (KeyError, AttributeError):
            hint = ''
            if inspect.isclass(obj) and hasattr(obj, part):
                definer = next(k for k in obj.__mro__ if part in vars(k))
                hint = (f'; {obj.__name__} inherits it: name the class that '
                        f"defines it, '{definer.__module__}:"
                        f"{definer.__name__}.{part}'")
            raise ValueError(f'listing function {spec!r}: {qualname!r} is '
                             f'not defined in {module_name}{hint}') from None
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    func = _inside_closures(inspect.unwrap(obj), qualname.rsplit('.', 1)[-1])
    if not hasattr(func, '__code__'):
        raise ValueError(f'listing function {spec!r} is not a Python '
                         f'function')
    return func, owner


def _inside_closures(func, name):
    """The function named ``name`` that a decorator without
    ``functools.wraps`` (such as ``mmcv.jit``) keeps in its closure; the
    wrapper's code is shared by every function it wraps."""
    seen = 0
    while getattr(func, '__name__', name) != name and seen < 4:
        inner = [
            cell.cell_contents for cell in (func.__closure__ or ())
            if inspect.isfunction(cell.cell_contents)
        ]
        if not inner:
            break
        func = inspect.unwrap(
            next((f for f in inner if f.__name__ == name), inner[0]))
        seen += 1
    return func


def source_of(func):
    """``file:line`` of ``func`` relative to its top-level package."""
    from .provenance import function_origin
    return function_origin(func)[1]


def watched_codes(extra=()):
    """``{code object: Watched}`` for the built-in list plus ``extra``."""
    specs = dict(WATCHED)
    for spec in extra:
        specs.setdefault(spec, (None, {}, (), None))
    codes = {}
    for spec, (per, loops, facts, reproduces) in specs.items():
        func, owner = resolve(spec)
        name = spec.split(':', 1)[1]
        reproduced = reproduced_source = None
        if reproduces:
            reproduced_func, _ = resolve(reproduces)
            reproduced = reproduces.split(':', 1)[1]
            reproduced_source = source_of(reproduced_func)
        codes[func.__code__] = Watched(
            name=name,
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
    """``{variable: (first, last)}``: the lines of the ``for`` loop (its
    header and body) that binds each variable of ``loops``, in file
    numbering."""
    if not loops:
        return {}
    try:
        lines, first = inspect.getsourcelines(func)
    except (OSError, TypeError):
        return {}
    tree = ast.parse(textwrap.dedent(''.join(lines)))
    found = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.For):
            continue
        for target in ast.walk(node.target):
            if isinstance(target, ast.Name) and target.id in loops:
                found.setdefault(target.id, (
                    node.lineno + first - 1,
                    node.body[-1].end_lineno + first - 1))
    return found
