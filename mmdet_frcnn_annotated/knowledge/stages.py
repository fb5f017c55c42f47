"""The stages of a two-stage detector's step, as named data.

A stage is where the annotated models record (``rpn_head/forward/P2``); a
stage *family* is its path up to the first component that only says which
pass it is (``rpn_head/forward``). Each family here has, in this order of
the step: a label for the flow chart and a note for the stage report
(both texts per language, ``texts/stages.<lang>.md``, keyed by the family
and ``<family>@label``), and the arrows of the flow chart
(:data:`EDGES`) say which tensors go from one family to the next.

A note states values of the learner's config: they come from the
``config`` record of the step, read off the model by :data:`CONFIG_FACTS`.
Where the config changes what is true (a sigmoid or a softmax RPN,
class-specific or class-agnostic regression) the family's ``variant``
picks the text ``<family>@<variant>``.
"""
import re
from collections import namedtuple
from dataclasses import dataclass
from typing import Callable


def _no_variant(facts):
    return None


def _rpn_loss(facts):
    return 'sigmoid' if facts.get('rpn_use_sigmoid') else 'softmax'


def _bbox_head(facts):
    fcs = 'fcs' if facts.get('num_shared_fcs') else 'nofcs'
    reg = 'agnostic' if facts.get('reg_class_agnostic') else 'specific'
    return f'{fcs}-{reg}'


def _neck(facts):
    if 'first_neck' in facts:  # a list of necks (named_necks)
        return 'sequence'
    plain_fpn = facts.get('neck') == 'FPN' and not facts.get(
        'fpn_extra_convs')
    return None if plain_fpn else 'other'


def _roi_extractor(facts):
    return 'generic' if facts.get(
        'roi_extractor') == 'GenericRoIExtractor' else None


def _rpn_targets(facts):
    return None if facts.get('rpn_sampling', True) else 'nosampling'


def _roi_loss(facts):
    if facts.get('num_stages'):
        return 'cascade'
    return 'agnostic' if facts.get('reg_class_agnostic') else 'specific'


def _roi_sampling(facts):
    if facts.get('num_stages'):
        return 'cascade'
    return 'ohem' if facts.get('rcnn_sampler') == 'OHEMSampler' else None


def _cascade(facts):
    return 'cascade' if facts.get('num_stages') else None


def _mask_head(facts):
    return 'upsample' if facts.get('mask_upsample') and facts.get(
        'mask_scale') else 'noupsample'


@dataclass(frozen=True)
class Stage:
    """One stage family.

    Attributes:
        family (str): e.g. ``'rpn_head/targets'``.
        variant (callable): ``facts -> str | None``; the text
            ``<family>@<variant>`` is used when it returns a name.
    """
    family: str
    variant: Callable = _no_variant

    def note_key(self, facts):
        variant = self.variant(facts)
        return f'{self.family}@{variant}' if variant else self.family

    @property
    def label_key(self):
        return f'{self.family}@label'


# In the order a step runs them.
STAGES = (
    Stage('input'),
    Stage('backbone'),
    Stage('neck', _neck),
    Stage('rpn_head/forward', _rpn_loss),
    Stage('rpn_head/anchors'),
    Stage('rpn_head/targets', _rpn_targets),
    Stage('rpn_head/loss', _rpn_targets),
    Stage('rpn_head/proposals'),
    Stage('roi_head/sampling', _roi_sampling),
    Stage('roi_head/hard_examples'),
    Stage('roi_head/rois', _cascade),
    Stage('roi_head/bbox_roi_extractor', _roi_extractor),
    Stage('roi_head/shared_head'),
    Stage('roi_head/bbox_head', _bbox_head),
    Stage('roi_head/targets'),
    Stage('roi_head/loss', _roi_loss),
    Stage('roi_head/refine'),
    Stage('roi_head/detections', _cascade),
    Stage('roi_head/mask_rois', _cascade),
    Stage('roi_head/mask_roi_extractor', _cascade),
    Stage('roi_head/mask_head', _mask_head),
    Stage('roi_head/mask_targets'),
    Stage('roi_head/mask_loss', _cascade),
    Stage('roi_head/masks', _cascade),
)
FAMILIES = tuple(s.family for s in STAGES)

# A stage path component that only says which pass: a level, an image,
# the whole batch, the k-th call or a cascade's stage (``s1``).
PASS_COMPONENT = re.compile(r'^(P\d+|img\d+|batch|\d+|s\d+)$')


def stage_family(stage):
    """``'rpn_head/forward/P2'`` -> ``'rpn_head/forward'``,
    ``'roi_head/hard_examples/0/bbox_head'`` -> ``'roi_head/hard_examples'``.
    """
    parts = []
    for part in stage.split('/'):
        if PASS_COMPONENT.match(part):
            break
        parts.append(part)
    return '/'.join(parts) or stage


def stage_of(stage):
    """The :class:`Stage` whose family is the longest prefix of ``stage``,
    or ``None``."""
    best = None
    for known in STAGES:
        if (stage == known.family or stage.startswith(known.family + '/')) \
                and (best is None or len(known.family) > len(best.family)):
            best = known
    return best


# The config values the stage notes quote: name -> dotted path on the
# detector (attributes, dict keys and list indices); ``.__class__.__name__``
# gives a type name. A path that does not exist in a config leaves the
# value out, and a note that needs it is not written.
CONFIG_FACTS = {
    'backbone': 'backbone.__class__.__name__',
    'depth': 'backbone.depth',
    'out_indices': 'backbone.out_indices',
    # a config's list of necks runs as one nn.Sequential: its parts' names,
    # and the channels and outputs of the first (the FPN)
    'neck': 'neck.*.__class__.__name__|neck.__class__.__name__',
    'neck_channels': 'neck.out_channels|neck.0.out_channels',
    'num_outs': 'neck.num_outs|neck.0.num_outs',
    'fpn_extra_convs': 'neck.add_extra_convs|neck.0.add_extra_convs',
    'fpn_upsample': 'neck.upsample_cfg.mode|neck.0.upsample_cfg.mode',
    'rpn_use_sigmoid': 'rpn_head.use_sigmoid_cls',
    'rpn_cls_out_channels': 'rpn_head.cls_out_channels',
    'rpn_feat_channels': 'rpn_head.feat_channels',
    'rpn_assigner': 'train_cfg.rpn.assigner.type',
    'rcnn_assigner': 'train_cfg.rcnn.assigner.type',
    'rpn_sampling': 'rpn_head.sampling',
    'rpn_pos_iou_thr': 'train_cfg.rpn.assigner.pos_iou_thr',
    'rpn_neg_iou_thr': 'train_cfg.rpn.assigner.neg_iou_thr',
    'rpn_match_low_quality': 'rpn_head.assigner.match_low_quality',
    'rpn_min_pos_iou': 'rpn_head.assigner.min_pos_iou',
    'rpn_sampler_num': 'train_cfg.rpn.sampler.num',
    'rpn_pos_fraction': 'train_cfg.rpn.sampler.pos_fraction',
    'train_nms_pre': 'train_cfg.rpn_proposal.nms_pre',
    'train_max_per_img': 'train_cfg.rpn_proposal.max_per_img',
    'train_rpn_nms_iou': 'train_cfg.rpn_proposal.nms.iou_threshold',
    'test_nms_pre': 'test_cfg.rpn.nms_pre',
    'test_max_per_img': 'test_cfg.rpn.max_per_img',
    'test_rpn_nms_iou': 'test_cfg.rpn.nms.iou_threshold',
    'rcnn_pos_iou_thr': 'train_cfg.rcnn.assigner.pos_iou_thr',
    'rcnn_neg_iou_thr': 'train_cfg.rcnn.assigner.neg_iou_thr',
    'rcnn_sampler': 'train_cfg.rcnn.sampler.type',
    'rcnn_sampler_num': 'train_cfg.rcnn.sampler.num',
    'rcnn_pos_fraction': 'train_cfg.rcnn.sampler.pos_fraction',
    'rcnn_add_gt': 'train_cfg.rcnn.sampler.add_gt_as_proposals',
    'rcnn_loss_cls': 'roi_head.bbox_head.loss_cls.__class__.__name__',
    'rcnn_loss_bbox': 'roi_head.bbox_head.loss_bbox.__class__.__name__',
    'roi_layer': 'roi_head.bbox_roi_extractor.roi_layers.0.__class__.'
                 '__name__',
    'roi_output_size': 'roi_head.bbox_roi_extractor.roi_layers.0.'
                       'output_size.0',
    'finest_scale': 'roi_head.bbox_roi_extractor.finest_scale',
    # a cascade's extractors are a ModuleList: the first stage's type
    'roi_extractor': 'roi_head.bbox_roi_extractor.0.__class__.__name__|'
                     'roi_head.bbox_roi_extractor.__class__.__name__',
    'roi_aggregation': 'roi_head.bbox_roi_extractor.aggregation',
    'num_shared_fcs': 'roi_head.bbox_head.num_shared_fcs',
    'fc_out_channels': 'roi_head.bbox_head.fc_out_channels',
    'reg_class_agnostic': 'roi_head.bbox_head.reg_class_agnostic',
    'num_classes': 'roi_head.bbox_head.num_classes',
    'rcnn_score_thr': 'test_cfg.rcnn.score_thr',
    'rcnn_max_per_img': 'test_cfg.rcnn.max_per_img',
    'rcnn_nms_iou': 'test_cfg.rcnn.nms.iou_threshold',
    'mask_num_convs': 'roi_head.mask_head.num_convs',
    'mask_conv_channels': 'roi_head.mask_head.conv_out_channels',
    'mask_conv_kernel': 'roi_head.mask_head.conv_kernel_size',
    'mask_upsample': 'roi_head.mask_head.upsample_method',
    'mask_scale': 'roi_head.mask_head.scale_factor',
    'mask_class_agnostic': 'roi_head.mask_head.class_agnostic',
    'mask_loss': 'roi_head.mask_head.loss_mask.__class__.__name__',
    'mask_size': 'train_cfg.rcnn.mask_size',
    'mask_thr_binary': 'test_cfg.rcnn.mask_thr_binary',
    # Cascade R-CNN: one value per stage
    'num_stages': 'roi_head.num_stages',
    'stage_loss_weights': 'roi_head.stage_loss_weights',
    'stage_pos_iou_thrs': 'train_cfg.rcnn.*.assigner.pos_iou_thr',
    'stage_neg_iou_thrs': 'train_cfg.rcnn.*.assigner.neg_iou_thr',
    'stage_assigners': 'train_cfg.rcnn.*.assigner.type',
    'stage_samplers': 'train_cfg.rcnn.*.sampler.type',
    'stage_add_gt': 'train_cfg.rcnn.*.sampler.add_gt_as_proposals',
    'stage_sampler_nums': 'train_cfg.rcnn.*.sampler.num',
    'stage_pos_fractions': 'train_cfg.rcnn.*.sampler.pos_fraction',
    'stage_target_stds': 'roi_head.bbox_head.*.bbox_coder.stds',
}

# A cascade has one box head (and mask head, extractor, rcnn train_cfg)
# per stage, all of one structure in mmdet's configs: the facts above
# that name one are read off the first stage's.
_PER_STAGE = ('roi_head.bbox_head.', 'roi_head.mask_head.',
              'roi_head.bbox_roi_extractor.', 'train_cfg.rcnn.')
for _name, _path in list(CONFIG_FACTS.items()):
    for _part in _PER_STAGE:
        if _path.startswith(_part) and '*' not in _path:
            CONFIG_FACTS[_name] = f'{_path}|{_part}0.{_path[len(_part):]}'

# Values derived from the facts, for the texts.
DERIVED_FACTS = {
    'rpn_num_pos': ('rpn_sampler_num', 'rpn_pos_fraction'),
    'rcnn_num_pos': ('rcnn_sampler_num', 'rcnn_pos_fraction'),
    'stage_num_pos': ('stage_sampler_nums', 'stage_pos_fractions'),
}


# Values that depend on the phase: the RPN keeps ``train_cfg.rpn_proposal``
# in training and ``test_cfg.rpn`` on the test path.
PHASE_FACTS = {
    'nms_pre': ('train_nms_pre', 'test_nms_pre'),
    'max_per_img': ('train_max_per_img', 'test_max_per_img'),
    'rpn_nms_iou': ('train_rpn_nms_iou', 'test_rpn_nms_iou'),
}


def per_stage(values):
    """A cascade's per-stage values as a note says them: one value when
    the stages agree, else ``'0.5 / 0.6 / 0.7'``."""
    if values and all(value == values[0] for value in values):
        return values[0]
    return ' / '.join(str(value) for value in values)


def named_necks(facts):
    """``facts`` with a list of necks (the names of an ``nn.Sequential``'s
    parts, in order) said as ``FPN → BFP`` and its first as ``first_neck``."""
    out = dict(facts)
    if isinstance(out.get('neck'), list) and out['neck']:
        out['first_neck'] = out['neck'][0]
        out['neck'] = ' → '.join(map(str, out['neck']))
    return out


def with_derived(facts, phase='train'):
    """``facts`` with the products of :data:`DERIVED_FACTS` and the values
    of :data:`PHASE_FACTS` for ``phase`` added."""
    out = named_necks(facts)
    for name, value in facts.items():
        if name.startswith('stage_') and isinstance(value, list):
            out[name] = per_stage(value)
    for name, (train, test) in PHASE_FACTS.items():
        source = train if phase == 'train' else test
        if source in out:
            out[name] = out[source]
    for name, (num, fraction) in DERIVED_FACTS.items():
        if isinstance(out.get(num), int) and isinstance(
                out.get(fraction), (int, float)):
            out[name] = int(out[num] * out[fraction])
    return out


Edge = namedtuple('Edge', 'source target family prefixes unless')
Edge.__doc__ = """An arrow of the flow chart, drawn when both ends ran.

Attributes:
    source, target (str): stage families at the two ends.
    family (str): stage family whose tensor records label the arrow.
    prefixes (tuple[str]): names of those tensors start with one of these,
        shown in this order.
    unless (str | None): a family whose presence means the data takes
        another way (no neck: the backbone feeds the heads).
"""

_F, _S, _R = 'rpn_head/forward', 'roi_head/sampling', 'roi_head/rois'
_X, _BH = 'roi_head/bbox_roi_extractor', 'roi_head/bbox_head'
_SH, _P = 'roi_head/shared_head', 'rpn_head/proposals'
_MR, _MX = 'roi_head/mask_rois', 'roi_head/mask_roi_extractor'
_MH = 'roi_head/mask_head'
_HEAD_OUT = ('cls_score', 'bbox_pred')
ROI_EXTRACTOR = _X

# Every arrow, and where its label comes from.
EDGES = (
    Edge('input', 'backbone', 'input', ('img', ), None),
    Edge('backbone', 'neck', 'backbone', ('C', ), None),
    Edge('neck', _F, 'neck', ('P', ), None),
    Edge('backbone', _F, 'backbone', ('C', ), 'neck'),
    Edge('input', 'rpn_head/targets', 'input', ('gt_bboxes', ), None),
    Edge('rpn_head/anchors', 'rpn_head/targets', 'rpn_head/anchors',
         ('anchors', ), None),
    Edge(_F, 'rpn_head/loss', _F, _HEAD_OUT, None),
    Edge('rpn_head/targets', 'rpn_head/loss', 'rpn_head/targets',
         ('labels P', 'bbox_targets P'), None),
    Edge(_F, _P, _F, _HEAD_OUT, None),
    Edge('rpn_head/anchors', _P, 'rpn_head/anchors', ('anchors', ), None),
    Edge(_P, _S, _P, ('proposal_list', ), None),
    Edge('input', _S, 'input', ('gt_bboxes', ), None),
    Edge(_S, 'roi_head/hard_examples', 'roi_head/hard_examples',
         ('rois', ), None),
    Edge('roi_head/hard_examples', _S, 'roi_head/hard_examples',
         ('cls_score', ), None),
    Edge(_S, _R, _R, ('rois', ), None),
    Edge(_P, _R, _P, ('proposal_list', ), _S),
    Edge(_R, _X, _R, ('rois', ), None),
    Edge('neck', _X, 'neck', ('P', ), None),
    Edge('backbone', _X, 'backbone', ('C', ), 'neck'),
    Edge(_X, _SH, _X, ('bbox_feats', ), None),
    Edge(_SH, _BH, _SH, ('bbox_feats', ), None),
    Edge(_X, _BH, _X, ('bbox_feats', ), _SH),
    Edge(_S, 'roi_head/targets', _S, ('pos_bboxes', 'neg_bboxes'), None),
    Edge(_BH, 'roi_head/loss', _BH, _HEAD_OUT, None),
    Edge('roi_head/targets', 'roi_head/loss', 'roi_head/targets',
         ('labels', 'bbox_targets'), None),
    Edge(_BH, 'roi_head/detections', _BH, _HEAD_OUT, None),
    Edge(_S, _MR, _MR, ('mask_rois', ), None),
    Edge('roi_head/detections', _MR, _MR, ('mask_rois', ), None),
    Edge(_BH, 'roi_head/refine', _BH, ('bbox_pred', ), None),
    Edge('roi_head/refine', _S, 'roi_head/refine', ('refined boxes', ),
         None),
    Edge(_MR, _MX, _MR, ('mask_rois', ), None),
    Edge('neck', _MX, 'neck', ('P', ), None),
    Edge(_MX, _MH, _MX, ('mask_feats', ), None),
    Edge(_S, 'roi_head/mask_targets', _S, ('pos_bboxes', ), None),
    Edge(_MH, 'roi_head/mask_loss', _MH, ('mask_pred', ), None),
    Edge('roi_head/mask_targets', 'roi_head/mask_loss',
         'roi_head/mask_targets', ('mask_targets', ), None),
    Edge(_MH, 'roi_head/masks', _MH, ('mask_pred', ), None),
)


# Kinds of picture, in the order a page shows them, and the stage family
# each one draws the result of.
PICTURES = (
    ('input', 'input'),
    ('anchors', 'rpn_head/anchors'),
    ('rpn_targets', 'rpn_head/targets'),
    ('proposals', 'rpn_head/proposals'),
    ('roi_samples', 'roi_head/sampling'),
    ('detections', 'roi_head/detections'),
    ('mask_targets', 'roi_head/mask_targets'),
    ('masks', 'roi_head/masks'),
    ('cascade_positives', 'roi_head/sampling'),
    ('cascade_refinement', 'roi_head/refine'),
)

# The function beside which the study page shows a picture, where it is not
# the producer of the boxes the picture draws: the detections are those
# ``multiclass_nms`` kept (called by ``BBoxHead.get_bboxes``).
PICTURE_BESIDE = {'detections': 'multiclass_nms',
                  'cascade_refinement': 'CascadeRoIHead.simple_test'}
