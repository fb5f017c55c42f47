from .annotated_faster_rcnn import AnnotatedFasterRCNN
from .annotated_mask_rcnn import AnnotatedMaskRCNN

__all__ = ['AnnotatedFasterRCNN', 'AnnotatedMaskRCNN']
