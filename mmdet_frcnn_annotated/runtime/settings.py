"""Tracing settings, read from the ``trace`` entry of the model config.

That one entry is honoured by both entry points: ``tools/train.py`` (where
:class:`~mmdet_frcnn_annotated.hooks.ShapeTraceHook` may override it) and
``tools/test.py`` (where no hook runs and the detector traces by itself).

Keys:
    iterations (list[int]): train iterations to trace (0-based runner.iter).
    interval (int): also trace every ``interval``-th iteration; 0 for none.
    phases (list[str]): any of ``'train'``, ``'val'``, ``'test'``.
    test_batches (list[int]): which test-path forwards to trace (0-based,
        counted over the model's lifetime; ``val`` and ``test`` alike).
    out_dir (str | None): output folder; the hook defaults it to
        ``<work_dir>/shape_trace``, otherwise ``work_dirs/shape_trace``.
    collect_stats (bool): record counts, quantiles and per-level numbers.
    strict (bool): raise on a shape mismatch instead of marking it.
    listing (bool): capture the watched functions line by line and write
        the annotated listing of each traced step.
    listing_functions (list[str]): more functions to list, each
        ``'module:Class.method'`` or ``'module:function'``.
    language (str | list[str]): ``'en'``, ``'zh'`` or both; one listing
        page per language.
    log_stats (bool): put the sampled anchors and RoIs and the proposals
        kept of every train step into mmdet's log (``log_vars``).
    pictures (bool): draw PNG pictures of each traced step beside its
        report (input and ground truth, anchors, positives, proposals,
        sampled RoIs, detections).
    html (bool): write the study page of each traced step,
        ``<phase>_iter<k>.html``: the listing, stage tables, pictures,
        flow and symbols in one self-contained file, in every language.
"""
from dataclasses import dataclass, field, fields, replace
from typing import List, Optional

from ..knowledge.texts import LANGUAGES

PHASES = ('train', 'val', 'test')
_BOOLEANS = ('collect_stats', 'strict', 'listing', 'log_stats',
             'pictures', 'html')
DEFAULT_OUT_DIR = 'work_dirs/shape_trace'


@dataclass(frozen=True)
class TraceSettings:
    iterations: List[int] = field(default_factory=lambda: [0])
    interval: int = 0
    phases: List[str] = field(default_factory=lambda: list(PHASES))
    test_batches: List[int] = field(default_factory=lambda: [0])
    out_dir: Optional[str] = None
    collect_stats: bool = True
    strict: bool = False
    listing: bool = True
    listing_functions: List[str] = field(default_factory=list)
    language: List[str] = field(default_factory=lambda: list(LANGUAGES))
    log_stats: bool = True
    pictures: bool = True
    html: bool = True

    @classmethod
    def from_config(cls, cfg=None):
        """Settings from a dict; unknown keys and bad values are errors."""
        return cls().updated(cfg or {})

    def updated(self, cfg):
        known = {f.name for f in fields(self)}
        unknown = sorted(set(cfg) - known)
        if unknown:
            raise KeyError(f'unknown trace setting(s) {unknown}; '
                           f'known settings are {sorted(known)}')
        new = replace(self, **{k: _normalise(k, v) for k, v in cfg.items()})
        bad = sorted(set(new.phases) - set(PHASES))
        if bad:
            raise ValueError(f'trace phases {bad} are not among {PHASES}')
        return new

    def traces_train(self, iteration):
        if 'train' not in self.phases:
            return False
        return iteration in self.iterations or (
            self.interval > 0 and iteration % self.interval == 0)

    def traces_test(self, phase, batch_index):
        return phase in self.phases and batch_index in self.test_batches


def _normalise(key, value):
    if key in _BOOLEANS:
        if not isinstance(value, bool):
            raise ValueError(f'trace setting {key!r} must be True or False, '
                             f'got {value!r}')
        return value
    if key in ('listing_functions', 'language'):
        value = [value] if isinstance(value, str) else list(value)
        if not all(isinstance(v, str) for v in value):
            raise ValueError(f'trace setting {key!r} must be a string or a '
                             f'list of strings, got {value!r}')
        bad = sorted(set(value) - set(LANGUAGES)) if key == 'language' else []
        if bad or (key == 'language' and not value):
            raise ValueError(f'trace language {bad or value!r}: choose from '
                             f'{LANGUAGES}')
        return value
    if key in ('iterations', 'test_batches', 'phases'):
        if isinstance(value, (int, str)):
            value = [value]
        value = list(value)
        if key != 'phases' and not all(
                isinstance(v, int) and v >= 0 for v in value):
            raise ValueError(f'trace setting {key!r} must be a list of '
                             f'non-negative ints, got {value!r}')
        return value
    if key == 'interval' and not (isinstance(value, int) and value >= 0):
        raise ValueError(
            f'trace setting interval must be an int >= 0, got {value!r}')
    return value
