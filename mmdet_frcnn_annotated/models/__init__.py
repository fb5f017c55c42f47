from .dense_heads import AnnotatedAnchorHead, AnnotatedRPNHead
from .detectors import (AnnotatedCascadeRCNN, AnnotatedFasterRCNN,
                        AnnotatedMaskRCNN)
from .roi_heads import AnnotatedCascadeRoIHead, AnnotatedStandardRoIHead

__all__ = [
    'AnnotatedFasterRCNN', 'AnnotatedMaskRCNN', 'AnnotatedCascadeRCNN',
    'AnnotatedAnchorHead', 'AnnotatedRPNHead', 'AnnotatedStandardRoIHead',
    'AnnotatedCascadeRoIHead'
]
