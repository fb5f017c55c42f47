from .shape_trace_hook import ShapeTraceHook

__all__ = ['ShapeTraceHook']
