"""Resume a run on a machine without CUDA.

mmcv 1.3's ``IterBasedRunner.resume`` maps the checkpoint onto the current
CUDA device (``torch.cuda.current_device()``), so ``--resume-from`` fails on
a CPU before training starts. This hook does the same resume with
``map_location='cpu'`` when the run starts, before every other hook: the
weights, the optimizer state and the iteration and epoch counters are
restored as mmcv's resume restores them, and nothing in mmcv is changed.

The package's train entry point uses it by itself when CUDA is unavailable;
with stock ``tools/train.py`` add it to the config instead of passing
``--resume-from``::

    custom_hooks = [..., dict(type='ResumeOnCpuHook', checkpoint=CKPT,
                              priority='HIGHEST')]
"""
import os.path as osp

from mmcv.runner import HOOKS, Hook

from ..registry import register


@register(HOOKS)
class ResumeOnCpuHook(Hook):
    """Resume from ``checkpoint`` onto the CPU in ``before_run``.

    Args:
        checkpoint (str): the checkpoint file (``iter_<k>.pth``, ``latest.pth``).
        resume_optimizer (bool): restore the optimizer state too.
    """

    def __init__(self, checkpoint, resume_optimizer=True):
        if not isinstance(checkpoint, str) or not osp.isfile(checkpoint):
            raise FileNotFoundError(
                f'ResumeOnCpuHook: no checkpoint file at {checkpoint!r}')
        self.checkpoint = checkpoint
        self.resume_optimizer = resume_optimizer

    def before_run(self, runner):
        runner.resume(
            self.checkpoint,
            resume_optimizer=self.resume_optimizer,
            map_location='cpu')


def resume_on_cpu(cfg):
    """Move ``cfg.resume_from`` into a :class:`ResumeOnCpuHook` that runs
    first, when CUDA is unavailable; returns the checkpoint it moved, or
    ``None``."""
    import torch
    checkpoint = cfg.get('resume_from')
    if not checkpoint or torch.cuda.is_available():
        return None
    hooks = list(cfg.get('custom_hooks', None) or [])
    hooks.append(
        dict(type='ResumeOnCpuHook', checkpoint=checkpoint,
             priority='HIGHEST'))
    cfg.custom_hooks = hooks
    cfg.resume_from = None
    return checkpoint
