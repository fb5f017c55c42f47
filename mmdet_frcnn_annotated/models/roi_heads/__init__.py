from .annotated_standard_roi_head import AnnotatedStandardRoIHead

__all__ = ['AnnotatedStandardRoIHead']
