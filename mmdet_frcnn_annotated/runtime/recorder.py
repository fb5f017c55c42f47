"""The recorder that the annotated models write to while a step is traced.

In the style of an event store: code asks :func:`get_recorder` and does
nothing when it returns ``None``, so an untraced step pays one function call
per stage. A recorder is active only inside :func:`recording`.

Recording never raises into the model, except for a shape mismatch in strict
mode: any other failure is kept in :attr:`ShapeRecorder.errors` and the rest
of the step is recorded as far as it can be.
"""
import contextlib

from ..knowledge.known_behaviours import known_behaviour
from ..knowledge.provenance import function_origin, mmdet_method
from ..knowledge.symbols import SymbolTable
from ..tracefile import TraceRecord

_ACTIVE = []


class ShapeMismatchError(AssertionError):
    """A traced tensor does not have its symbolic shape (strict mode)."""


def get_recorder():
    """The active :class:`ShapeRecorder`, or ``None`` when none is."""
    return _ACTIVE[-1] if _ACTIVE else None


@contextlib.contextmanager
def recording(recorder):
    """Make ``recorder`` active for the duration of the block."""
    _ACTIVE.append(recorder)
    try:
        yield recorder
    finally:
        _ACTIVE.remove(recorder)


def _origin(origin):
    """``(producer, source, reproduces)`` from ``(obj, 'method')``, a
    function or None."""
    if origin is None:
        return None, None, None
    if isinstance(origin, tuple):
        return mmdet_method(*origin)
    return function_origin(origin) + (None, )


class ShapeRecorder:
    """Collects the records of one phase of one iteration.

    Args:
        phase (str): ``'train'``, ``'val'`` or ``'test'``.
        iteration (int): runner iteration (train) or test batch index.
        strict (bool): raise :class:`ShapeMismatchError` on a mismatch.
        collect_stats (bool): compute the small statistics of stages.
        pictures (bool): keep the batch's images and the boxes to draw.
    """

    def __init__(self, phase, iteration, strict=False, collect_stats=True,
                 pictures=False):
        self.phase = phase
        self.iteration = iteration
        self.strict = strict
        self.collect_stats = collect_stats
        self.pictures = pictures
        self.images = []  # uint8 BGR arrays of the batch, never written
        self.on_stage = None  # called with the stage of every tensor
        self.symbols = SymbolTable()
        self.records = []
        self.config_values = {}
        self.errors = []
        self.calls = []
        self.capture_note = None
        self.guarded = 0  # > 0 while recording code runs
        self.sampling = 0  # > 0 while a sampler runs (OHEM's forward)
        self._counters = {}

    # binding -----------------------------------------------------------
    def bind(self, **symbols):
        with self.guard('bind'):
            for name, value in symbols.items():
                self.symbols.bind(name, int(value))

    def next_index(self, key):
        """0, 1, 2... on successive calls with one key (per-image loops)."""
        index = self._counters.get(key, 0)
        self._counters[key] = index + 1
        return index

    # recording ---------------------------------------------------------
    def tensor(self, stage, name, tensor, symbolic=None, origin=None):
        """Record the shape of ``tensor`` and check it against ``symbolic``.

        Args:
            stage (str): slash-scoped stage, e.g. ``'rpn_head/forward/P2'``.
            name (str): what the tensor is, e.g. ``'rpn_cls_score'``.
            tensor (Tensor): only its shape, dtype and device are read.
            symbolic (list[str | int] | None): the symbolic shape.
            origin: ``(obj, 'method')`` resolved through the MRO, or a
                function, naming the mmdet code that produced the tensor.
        """
        mismatch = None
        with self.guard(f'{stage}/{name}'):
            if self.on_stage is not None:
                self.on_stage(stage)
            shape = list(tensor.shape)
            expected = ok = known = None
            if symbolic is not None:
                symbolic = [str(dim) for dim in symbolic]
                expected = self.symbols.expected_shape(symbolic)
                ok = expected == shape
            if ok is False:
                behaviour = known_behaviour(stage, name, shape, expected)
                known = behaviour.key if behaviour else None
            producer, source, reproduces = _origin(origin)
            self.records.append(
                TraceRecord(
                    kind='tensor',
                    phase=self.phase,
                    iteration=self.iteration,
                    stage=stage,
                    name=name,
                    shape=shape,
                    symbolic=symbolic,
                    expected=expected,
                    ok=ok,
                    known=known,
                    dtype=str(tensor.dtype).replace('torch.', ''),
                    device=str(tensor.device),
                    producer=producer,
                    source=source,
                    reproduces=reproduces))
            if ok is False and known is None:
                mismatch = (f'{stage}/{name}: shape {tuple(shape)} is not '
                            f'{tuple(symbolic)} = {tuple(expected)}')
        if mismatch and self.strict:
            raise ShapeMismatchError(mismatch)

    def stats(self, stage, name, compute, origin=None):
        """Record small numbers; ``compute()`` runs only if stats are on."""
        if self.collect_stats:
            self._values('stats', stage, name, compute, origin)

    def boxes(self, stage, name, compute, origin=None):
        """Record boxes to draw; ``compute()`` runs only if pictures are on
        and returns ``{'image': i, 'boxes': [[x1, y1, x2, y2], ...], ...}``
        (see :mod:`~.boxes`)."""
        if self.pictures:
            self._values('boxes', stage, name, compute, origin)

    def _values(self, kind, stage, name, compute, origin):
        with self.guard(f'{stage}/{name}'):
            producer, source, reproduces = _origin(origin)
            self.records.append(
                TraceRecord(
                    kind=kind,
                    phase=self.phase,
                    iteration=self.iteration,
                    stage=stage,
                    name=name,
                    values=dict(compute()),
                    producer=producer,
                    source=source,
                    reproduces=reproduces))

    def config(self, compute):
        """Keep the config values the stage notes quote: ``compute()``
        returns ``{name: value}`` (see ``knowledge.stages.CONFIG_FACTS``)."""
        with self.guard('config values'):
            self.config_values = dict(compute())

    def keep_images(self, compute):
        """Keep the batch's images for the pictures (when they are on):
        ``compute()`` returns uint8 BGR arrays, one per image."""
        if self.pictures:
            with self.guard('images for the pictures'):
                self.images = list(compute())

    def losses(self, log_vars):
        """Record the scalar losses that ``_parse_losses`` produced."""
        with self.guard('losses'):
            for name, value in log_vars.items():
                self.records.append(
                    TraceRecord(
                        kind='loss',
                        phase=self.phase,
                        iteration=self.iteration,
                        stage='losses',
                        name=name,
                        values={'value': float(value)}))

    def add_capture(self, capture):
        """Keep the ``call`` records of a finished line capture."""
        with self.guard('line capture'):
            self.calls = capture.records(self.phase, self.iteration)
            self.errors.extend(f'line capture: {e}' for e in capture.errors)
            self.capture_note = capture.skipped

    # closing -----------------------------------------------------------
    @property
    def mismatches(self):
        """Disagreements that are not a known mmdet behaviour."""
        return [r for r in self.records if r.ok is False and not r.known]

    def finish(self):
        """All records of the step: symbols first, summary last."""
        head = TraceRecord(
            kind='symbols',
            phase=self.phase,
            iteration=self.iteration,
            values=self.symbols.as_dict())
        tensors = sum(1 for r in self.records if r.kind == 'tensor')
        values = {
            'records': len(self.records) + len(self.calls) + 3,
            'tensors': tensors,
            'mismatches': len(self.mismatches),
            'errors': list(self.errors),
        }
        known = sorted({r.known for r in self.records if r.known})
        if known:
            values['known'] = known
        if self.calls:
            values['functions'] = len(self.calls)
        if self.capture_note:
            values['listing'] = self.capture_note
        tail = TraceRecord(
            kind='summary',
            phase=self.phase,
            iteration=self.iteration,
            values=values)
        config = TraceRecord(
            kind='config',
            phase=self.phase,
            iteration=self.iteration,
            values=self.config_values)
        return [head, config] + self.records + self.calls + [tail]

    @contextlib.contextmanager
    def guard(self, where):
        """Keep any failure of the block in :attr:`errors` instead of
        raising it (a strict-mode mismatch still raises). Inside the block
        the line capture looks away: what recording runs is not the step."""
        self.guarded += 1
        try:
            yield
        except ShapeMismatchError:
            raise
        except Exception as err:  # recording must not break the model
            self.errors.append(f'{where}: {type(err).__name__}: {err}')
        finally:
            self.guarded -= 1
