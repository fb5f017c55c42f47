"""Which head a watched function or a stage belongs to.

The listing labels and checks a function's shapes by its *scope*: the same
``MaxIoUAssigner.assign`` has the RPN's symbols (V_i, F_i, P_i) under the
RPN and the RoI head's (K_i, Fr_i, Pr_i) under the RoI head. A call path's
scope is decided by the classes of the functions on it.
"""

# Classes whose methods belong to the RoI head and to the RPN.
ROI_CLASSES = ('StandardRoIHead', 'AnnotatedStandardRoIHead',
               'CascadeRoIHead', 'AnnotatedCascadeRoIHead',
               'BBoxTestMixin', 'BBoxHead', 'ConvFCBBoxHead',
               'SingleRoIExtractor', 'MaskTestMixin', 'FCNMaskHead')
RPN_CLASSES = ('BaseDenseHead', 'RPNHead', 'AnchorHead', 'RPNTestMixin',
               'AnnotatedAnchorHead', 'AnnotatedRPNHead')
# Listed functions of the mask branch: what they call works on the mask
# rois (Rm), not on the box branch's rois (R).
MASK_FUNCTIONS = ('StandardRoIHead._mask_forward_train',
                  'StandardRoIHead._mask_forward',
                  'MaskTestMixin.simple_test_mask',
                  'CascadeRoIHead._mask_forward_train',
                  'CascadeRoIHead._mask_forward')
# Classes of a cascade's RoI head: what runs under them has a template of
# its own where the cascade calls it differently (per image, not batched).
CASCADE_CLASSES = ('CascadeRoIHead', 'AnnotatedCascadeRoIHead')
# Functions of the samplers themselves (what else a sampler runs is OHEM's
# hard-example forward).
SAMPLER_CLASSES = ('RandomSampler', 'BaseSampler', 'OHEMSampler')


def scope_of_path(path):
    """``'roi_head'``, ``'rpn_head'`` or ``'detector'`` for a call path
    (names ``'Class.method'``, outermost first); ``'hard_examples'`` for
    what a sampler runs (OHEM's forward), ``'mask_head'`` for the mask
    branch and what it calls."""
    if 'BaseSampler.sample' in path[:-1] and not path[-1].startswith(
            SAMPLER_CLASSES):
        return 'hard_examples'
    if any(name in MASK_FUNCTIONS for name in path):
        return 'mask_head'
    owners = [name.split('.')[0] for name in path]
    if any(owner in ROI_CLASSES for owner in owners):
        return 'roi_head'
    if any(owner in RPN_CLASSES for owner in owners):
        return 'rpn_head'
    return 'detector'


def in_cascade(path):
    """Whether a call path runs under a cascade's RoI head."""
    return any(name.split('.')[0] in CASCADE_CLASSES for name in path)


def scope_of_stage(stage):
    """``'rpn_head'``, ``'roi_head'`` or ``'detector'`` of a stage path."""
    head = stage.split('/')[0]
    return head if head in ('rpn_head', 'roi_head') else 'detector'
