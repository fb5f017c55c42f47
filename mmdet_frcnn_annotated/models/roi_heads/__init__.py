from .annotated_cascade_roi_head import AnnotatedCascadeRoIHead
from .annotated_standard_roi_head import AnnotatedStandardRoIHead

__all__ = ['AnnotatedCascadeRoIHead', 'AnnotatedStandardRoIHead']
