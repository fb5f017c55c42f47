"""Cascade R-CNN (and Cascade Mask R-CNN) that records the shape of every
stage of a step.

mmdet 2.11's ``CascadeRCNN`` is a ``TwoStageDetector`` whose only addition
is ``show_result`` (it accepts the per-stage result dicts of older
versions); the cascade itself lives in its RoI head, ``CascadeRoIHead``,
which the annotated RoI head records. The detector is therefore the
annotated Faster R-CNN with ``CascadeRCNN`` next in its MRO.
"""
from mmdet.models.builder import DETECTORS
from mmdet.models.detectors import CascadeRCNN

from ...registry import register
from .annotated_faster_rcnn import AnnotatedFasterRCNN


@register(DETECTORS)
class AnnotatedCascadeRCNN(AnnotatedFasterRCNN, CascadeRCNN):
    """``CascadeRCNN`` with a shape trace.

    Args:
        trace (dict, optional): tracing settings, see
            :class:`~mmdet_frcnn_annotated.runtime.settings.TraceSettings`.
        Others as mmdet's ``CascadeRCNN``.
    """
