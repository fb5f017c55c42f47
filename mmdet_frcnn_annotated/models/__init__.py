from .dense_heads import AnnotatedAnchorHead, AnnotatedRPNHead
from .detectors import AnnotatedFasterRCNN
from .roi_heads import AnnotatedStandardRoIHead

__all__ = [
    'AnnotatedFasterRCNN', 'AnnotatedAnchorHead', 'AnnotatedRPNHead',
    'AnnotatedStandardRoIHead'
]
