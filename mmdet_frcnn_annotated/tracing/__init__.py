from .recorder import (ShapeMismatchError, ShapeRecorder, get_recorder,
                       recording)
from .records import SCHEMA_VERSION, TraceRecord
from .report import read_jsonl, render_report
from .settings import TraceSettings
from .tracer import ShapeTracer

__all__ = [
    'SCHEMA_VERSION', 'ShapeMismatchError', 'ShapeRecorder', 'ShapeTracer',
    'TraceRecord', 'TraceSettings', 'get_recorder', 'read_jsonl',
    'recording', 'render_report'
]
