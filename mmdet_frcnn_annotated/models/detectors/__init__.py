from .annotated_cascade_rcnn import AnnotatedCascadeRCNN
from .annotated_faster_rcnn import AnnotatedFasterRCNN
from .annotated_mask_rcnn import AnnotatedMaskRCNN

__all__ = [
    'AnnotatedCascadeRCNN', 'AnnotatedFasterRCNN', 'AnnotatedMaskRCNN'
]
