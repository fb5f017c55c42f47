from .capture import LineCapture
from .listing import render_listing
from .recorder import (ShapeMismatchError, ShapeRecorder, get_recorder,
                       recording)
from .records import SCHEMA_VERSION, TraceRecord
from .report import read_jsonl, render_report
from .settings import TraceSettings
from .tracer import ShapeTracer
from .watchlist import WATCHED, watched_codes

__all__ = [
    'SCHEMA_VERSION', 'LineCapture', 'ShapeMismatchError', 'ShapeRecorder',
    'ShapeTracer', 'TraceRecord', 'TraceSettings', 'WATCHED', 'get_recorder',
    'read_jsonl', 'recording', 'render_listing', 'render_report',
    'watched_codes'
]
