"""The mmcv hook that drives the shape trace of a training run."""
import os.path as osp

from mmcv.runner import HOOKS, Hook, get_dist_info

from ..registry import register


def _detector(runner):
    model = runner.model
    return model.module if hasattr(model, 'module') else model


@register(HOOKS)
class ShapeTraceHook(Hook):
    """Trace chosen iterations of a run with an annotated detector.

    Every argument left as ``None`` keeps the value of the model's ``trace``
    entry (see ``TraceSettings``); the hook's own defaults are those too:
    the first iteration, all phases, ``<work_dir>/shape_trace``.

    Args:
        iterations (list[int], optional): train iterations (0-based).
        interval (int, optional): also every ``interval``-th iteration.
        phases (list[str], optional): of ``'train'``, ``'val'``, ``'test'``.
        out_dir (str, optional): output folder.
        collect_stats (bool, optional): record small statistics.
        strict (bool, optional): raise on a shape mismatch.
        listing (bool, optional): write the annotated listing.
        language (str | list[str], optional): ``'en'``, ``'zh'`` or both.
        log_stats (bool, optional): counts of every step in mmdet's log.

    Under distributed training every rank writes ``trace_rank<r>.jsonl``
    and its own reports; the hook never calls a collective. A resumed run
    (``runner.iter > 0`` when the run starts) appends to the same file and
    leaves out the iterations it already holds.
    """

    def __init__(self, iterations=None, interval=None, phases=None,
                 out_dir=None, collect_stats=None, strict=None, listing=None,
                 language=None, log_stats=None):
        given = dict(iterations=iterations, interval=interval, phases=phases,
                     out_dir=out_dir, collect_stats=collect_stats,
                     strict=strict, listing=listing, language=language,
                     log_stats=log_stats)
        self.overrides = {k: v for k, v in given.items() if v is not None}

    def before_run(self, runner):
        model = _detector(runner)
        tracer = getattr(model, 'tracer', None)
        if tracer is None:
            raise TypeError(
                f'ShapeTraceHook needs an annotated detector (one with a '
                f'`tracer`, e.g. AnnotatedFasterRCNN); the model is '
                f'{type(model).__name__}')
        rank, _ = get_dist_info()
        tracer.configure(
            logger=runner.logger,
            rank=rank,
            default_out_dir=osp.join(runner.work_dir, 'shape_trace'),
            test_phase='val',
            resumed=runner.iter > 0,
            **self.overrides)

    def before_train_iter(self, runner):
        _detector(runner).tracer.train_iteration = runner.iter

    def after_run(self, runner):
        _detector(runner).tracer.close()
