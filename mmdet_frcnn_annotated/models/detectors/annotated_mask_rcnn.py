"""Mask R-CNN that records the shape of every stage of a step.

mmdet 2.11's ``MaskRCNN`` is a ``TwoStageDetector`` and nothing more: the
mask branch lives in its RoI head (``StandardRoIHead`` with a
``mask_roi_extractor`` and a ``mask_head``), which the annotated RoI head
records. The detector therefore is the annotated Faster R-CNN under
Mask R-CNN's name; its ``forward_train`` hands ``gt_masks`` on to the RoI
head as mmdet's does.
"""
from mmdet.models.builder import DETECTORS

from ...registry import register
from .annotated_faster_rcnn import AnnotatedFasterRCNN


@register(DETECTORS)
class AnnotatedMaskRCNN(AnnotatedFasterRCNN):
    """``MaskRCNN`` with a shape trace.

    Args:
        trace (dict, optional): tracing settings, see
            :class:`~mmdet_frcnn_annotated.runtime.settings.TraceSettings`.
        Others as mmdet's ``MaskRCNN``.
    """
