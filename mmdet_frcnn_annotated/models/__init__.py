from .dense_heads import AnnotatedAnchorHead, AnnotatedRPNHead
from .detectors import AnnotatedFasterRCNN, AnnotatedMaskRCNN
from .roi_heads import AnnotatedStandardRoIHead

__all__ = [
    'AnnotatedFasterRCNN', 'AnnotatedMaskRCNN', 'AnnotatedAnchorHead',
    'AnnotatedRPNHead', 'AnnotatedStandardRoIHead'
]
