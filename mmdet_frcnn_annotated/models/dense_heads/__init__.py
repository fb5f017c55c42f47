from .annotated_anchor_head import AnnotatedAnchorHead
from .annotated_rpn_head import AnnotatedRPNHead

__all__ = ['AnnotatedAnchorHead', 'AnnotatedRPNHead']
