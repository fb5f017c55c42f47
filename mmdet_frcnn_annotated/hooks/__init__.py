from .resume_on_cpu_hook import ResumeOnCpuHook, resume_on_cpu
from .shape_trace_hook import ShapeTraceHook

__all__ = ['ResumeOnCpuHook', 'ShapeTraceHook', 'resume_on_cpu']
