from .annotated_faster_rcnn import AnnotatedFasterRCNN

__all__ = ['AnnotatedFasterRCNN']
