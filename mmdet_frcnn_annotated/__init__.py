"""mmdet 2.11 plugin: a Faster R-CNN that explains the shapes of its run.

Importing the package (directly or through ``custom_imports``) registers
AnnotatedFasterRCNN, AnnotatedAnchorHead, AnnotatedRPNHead,
AnnotatedStandardRoIHead, ShapeTraceHook, ResumeOnCpuHook and
ToyShapesDataset into mmdet's registries.
"""
from .datasets import ToyShapesDataset
from .hooks import ResumeOnCpuHook, ShapeTraceHook
from .models import (AnnotatedAnchorHead, AnnotatedFasterRCNN,
                     AnnotatedRPNHead, AnnotatedStandardRoIHead)
from .registry import REGISTERED, explain_unknown_types

__version__ = '0.1.0'

explain_unknown_types()

__all__ = [
    'AnnotatedFasterRCNN', 'AnnotatedAnchorHead', 'AnnotatedRPNHead',
    'AnnotatedStandardRoIHead', 'ResumeOnCpuHook', 'ShapeTraceHook',
    'ToyShapesDataset',
    'REGISTERED',
    'explain_unknown_types', '__version__'
]
