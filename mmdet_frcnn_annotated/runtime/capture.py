"""Line-level capture of the watched functions, on traced steps only.

While a :class:`LineCapture` is active, Python's trace function looks at
every new frame and follows only those of the watched functions
(:mod:`..knowledge.watched`). In such a frame each executed line is noted,
and the names the line bound or rebound are described as plain data: a
tensor by its shape, dtype and a summary of its values (:mod:`.values`),
an int, float, bool or short string by its value, a list or tuple by its
items. No tensor is kept once its frame returns.

Calls are grouped by their call path (the watched functions above them),
so ``multi_apply``'s five calls of ``RPNHead.forward_single`` form one group
with five passes, one per level, and ``MaxIoUAssigner.assign`` appears once
under the RPN and once under the RoI head.

Another trace function (a debugger, a coverage tool) is left alone: the
capture then skips the step and warns once.
"""
import sys
import warnings
from collections import OrderedDict

import numpy as np
import torch

from ..knowledge.symbols import level_of_stride
from ..tracefile import (MappingDesc, ObjectDesc, SequenceDesc, TensorDesc,
                         TraceRecord, ValueDesc, describe_to_json)
from .config_facts import MISSING, fact_at, fact_name, plain
from .recorder import get_recorder
from .values import SummaryCache, summarize

MAX_PASSES = 12  # entries kept per line and group; further passes counted
_MAX_ITEMS = 8
_MAX_STR = 40
_SKIP = frozenset(('self', 'rec', '__class__'))
_warned_other_tracer = []


def describe(value, depth=0, summarize=summarize):
    """Plain-data description of a value (a named record of
    :mod:`..tracefile`), or ``None`` when it is not one the listing shows
    (modules, configs, functions). A tensor bound by a name itself (depth
    0, not inside a list or an object) carries the summary of its values
    (``summarize``, by default :func:`.values.summarize`)."""
    if isinstance(value, torch.Tensor):
        return TensorDesc(list(value.shape), str(value.dtype)[6:],
                          None if depth else summarize(value))
    if isinstance(value, np.ndarray):
        return TensorDesc(list(value.shape), str(value.dtype),
                          None if depth else summarize(value))
    if value is None or isinstance(value, (bool, int)):
        return ValueDesc(value)
    if isinstance(value, float):
        return ValueDesc(round(value, 6))
    if isinstance(value, str):
        return ValueDesc(value) if len(value) <= _MAX_STR else None
    if isinstance(value, (list, tuple)):
        return _describe_sequence(value, depth)
    if isinstance(value, dict):
        if depth >= 2 or type(value) is not dict:
            return None
        items = {
            str(k): d
            for k, d in ((k, describe(v, depth + 1))
                         for k, v in list(value.items())[:_MAX_ITEMS])
            if d is not None
        }
        return MappingDesc(items) if items else None
    module = type(value).__module__ or ''
    if module.startswith('mmdet.core') and hasattr(value, '__dict__'):
        attrs = {
            k: d
            for k, d in ((k, describe(v, 2)) for k, v in vars(value).items())
            if isinstance(d, (TensorDesc, ValueDesc))
        }
        return ObjectDesc(type(value).__name__, attrs)
    return None


def _describe_sequence(value, depth):
    if isinstance(value, torch.Size) or (
            0 < len(value) <= 6 and all(type(v) is int for v in value)):
        return ValueDesc(list(value))
    if depth >= 2:
        return SequenceDesc(type(value).__name__, len(value), [])
    items = [describe(v, depth + 1) for v in value[:_MAX_ITEMS]]
    if value and all(item is None for item in items):
        return None
    return SequenceDesc(type(value).__name__, len(value), items)


def mro_path(cls, owner):
    """Classes from ``cls`` up to ``owner`` through the bases that lead
    there, e.g. AnnotatedRPNHead -> RPNHead -> AnchorHead -> BaseDenseHead."""
    path = [cls]
    while cls is not owner:
        cls = next(b for b in cls.__bases__ if issubclass(b, owner))
        path.append(cls)
    return [c.__name__ for c in path]


def _levels_of(obj):
    """FPN level numbers of the object's strides, if it has any."""
    strides = getattr(obj, 'featmap_strides', None)
    if strides is None:
        generator = getattr(obj, 'anchor_generator', obj)
        strides = getattr(generator, 'strides', None)
    try:
        return [level_of_stride(s) for s in strides] if strides else None
    except (TypeError, ValueError):
        return None


class _Group:
    """The calls of one watched function along one call path."""

    def __init__(self, watched, path):
        self.watched = watched
        self.path = path
        self.calls = 0
        self.self_type = None
        self.mro = None
        self.levels = None
        self.facts = {}
        self.stage_facts = {}  # a cascade's stage -> its facts
        self.lines = OrderedDict()  # line -> [[context, names], ...]
        self.folded = {}
        self.executed = set()

    def add(self, line, context, names):
        entries = self.lines.setdefault(line, [])
        if len(entries) < MAX_PASSES:
            entries.append([context, names])
        else:
            self.folded[line] = self.folded.get(line, 0) + 1

    def record(self, phase, iteration):
        w = self.watched
        values = dict(
            path=[g.name for g in self.path],
            calls=self.calls,
            levels=self.levels,
            facts=merged_facts(self.facts, self.stage_facts),
            executed=sorted(self.executed),
            lines={str(k): v
                   for k, v in self.lines.items()},
            folded={str(k): v
                    for k, v in self.folded.items()})
        if self.self_type:
            values.update(self_type=self.self_type, mro=self.mro)
        if w.reproduces:
            values.update(
                reproduces=w.reproduces,
                reproduces_source=w.reproduces_source)
        return TraceRecord(
            kind='call',
            phase=phase,
            iteration=iteration,
            stage='listing',
            name=w.name,
            producer=w.name,
            source=w.source,
            values=values)


class _FrameTracer:
    """Local trace function of one watched frame.

    ``context`` says which pass this call is: ``{'image': 1}``,
    ``{'level': 3}``... taken from the watched callers (their own pass and
    the loops they are inside) and, failing that, from this function's
    ``per`` and its call count.
    """

    def __init__(self, capture, group, call, frame, parent):
        self.capture = capture
        self.group = group
        self.line = frame.f_lineno
        self.counts = {}
        self.before = {}
        self.context = parent.loop_context() if parent else {}
        self.inherited = frozenset(self.context)
        per = group.watched.per
        if per and per not in self.context:
            self.context[per] = call
        self._diff(frame)

    def loop_context(self):
        """This frame's context plus the loops its current line is in; what
        the callers said stands (``get_bboxes`` loops over a batch of one
        image when Cascade R-CNN calls it per image)."""
        context = dict(self.context)
        for var, spans in self.group.watched.loop_lines.items():
            for index, (first, last, kind) in enumerate(spans):
                count = self.counts.get((var, index))
                if first <= self.line <= last and count and (
                        kind not in self.inherited):
                    context[kind] = count - 1
        return context

    def _count(self, var):
        """A loop variable changed on the current line: one more pass of
        the loop that holds the line; the loops inside it start again."""
        loop_lines = self.group.watched.loop_lines
        for index, (first, last, _) in enumerate(loop_lines.get(var, ())):
            if first <= self.line <= last:
                key = (var, index)
                self.counts[key] = self.counts.get(key, 0) + 1
                for other, spans in loop_lines.items():
                    for k, (start, end, _) in enumerate(spans):
                        if first < start and end <= last:
                            self.counts.pop((other, k), None)
                return

    def __call__(self, frame, event, arg):
        try:
            if event == 'line':
                self._diff(frame)
                self.line = frame.f_lineno
                self.group.executed.add(self.line)
            elif event == 'return':
                self._diff(frame, arg)
                self._facts(frame)
                self.before = {}
                self.capture._stack.pop()
        except Exception as err:  # the capture never breaks the step
            self.capture.errors.append(f'{self.group.watched.name}: '
                                       f'{type(err).__name__}: {err}')
        return self

    def _diff(self, frame, returned=MISSING):
        """Attribute what changed since the last event to ``self.line``."""
        now = frame.f_locals
        names = {}
        loops = self.group.watched.loops
        for name, value in now.items():
            if name in _SKIP or self.before.get(name, MISSING) is value:
                continue
            if name in loops:
                self._count(name)
            description = describe(value, summarize=self.capture.summaries)
            if description is not None:
                names[name] = describe_to_json(description)
        if returned is not MISSING:
            description = describe(returned,
                                   summarize=self.capture.summaries)
            if description is not None:
                names['return'] = describe_to_json(description)
        if names:
            self.group.add(self.line, self.loop_context(), names)
        self.before = dict(now)

    def _facts(self, frame):
        group = self.group
        if not group.watched.facts:
            return
        stage = self.context.get('stage')
        if stage is None:
            if group.facts:
                return
            found = group.facts
        else:  # a cascade's stages may differ: each keeps its own
            if stage in group.stage_facts:
                return
            found = group.stage_facts[stage] = {}
        now = frame.f_locals
        for spec in group.watched.facts:
            name, paths = fact_name(spec)
            for path in paths.split('|'):
                value = fact_at(now, path)
                if value is not MISSING:
                    break
            if value is not MISSING:
                found[name] = plain(value)


def merged_facts(facts, stage_facts):
    """``facts``, plus the facts of a function a cascade's stages called:
    one value where the stages agree, else ``'0.5 (s0) / 0.6 (s1) / ...'``
    (mmdet names a stage's losses s0, s1, ...)."""
    merged = dict(facts)
    stages = sorted(stage_facts)
    names = {name for found in stage_facts.values() for name in found}
    for name in sorted(names):
        values = [stage_facts[s].get(name) for s in stages]
        if all(value == values[0] for value in values):
            merged[name] = values[0]
        else:
            merged[name] = ' / '.join(f'{value} (s{s})'
                                      for s, value in zip(stages, values))
    return merged


class LineCapture:
    """Context manager: capture the watched functions while active.

    Args:
        codes (dict): ``{code object: Watched}`` from
            :func:`~..knowledge.watched.watched_codes`.
    """

    def __init__(self, codes):
        self.codes = codes
        self.groups = OrderedDict()
        self.summaries = SummaryCache()
        self.errors = []
        self.skipped = None
        self._stack = []
        self._active = False

    def __enter__(self):
        other = sys.gettrace()
        if other is not None:
            self.skipped = (f'another trace function is active '
                            f'({getattr(other, "__qualname__", other)!r}); '
                            f'line capture skipped')
            if not _warned_other_tracer:
                _warned_other_tracer.append(True)
                warnings.warn(
                    'shape trace: ' + self.skipped + ' (a debugger or '
                    'coverage tool owns sys.settrace); the listing is not '
                    'written while it is active', RuntimeWarning)
            return self
        self._active = True
        sys.settrace(self._on_call)
        return self

    def __exit__(self, *exc):
        if self._active:
            sys.settrace(None)
            self._active = False
        self._stack.clear()
        return False

    def _on_call(self, frame, event, arg):
        watched = self.codes.get(frame.f_code)
        if watched is None or event != 'call':
            return None
        recorder = get_recorder()
        if recorder is not None and recorder.guarded:
            return None  # called by recording code, not by the step
        try:
            parent = self._stack[-1] if self._stack else None
            path = tuple(t.group.watched for t in self._stack) + (watched, )
            group = self.groups.get(path)
            if group is None:
                group = self.groups[path] = _Group(watched, path)
            call = group.calls
            group.calls += 1
            if call == 0:
                self._describe_owner(group, frame)
            tracer = _FrameTracer(self, group, call, frame, parent)
            group.executed.add(frame.f_lineno)
            self._stack.append(tracer)
            return tracer
        except Exception as err:  # the capture never breaks the step
            self.errors.append(
                f'{watched.name}: {type(err).__name__}: {err}')
            return None

    @staticmethod
    def _describe_owner(group, frame):
        obj = frame.f_locals.get('self')
        owner = group.watched.owner
        if obj is not None and owner is not None and isinstance(obj, owner):
            group.self_type = type(obj).__name__
            group.mro = mro_path(type(obj), owner)
            group.levels = _levels_of(obj)

    def records(self, phase, iteration):
        """One ``call`` record per group, in the order groups first ran."""
        return [g.record(phase, iteration) for g in self.groups.values()]
