"""Where run time meets rendering: which steps are traced, where their
records go, and who renders them.

One :class:`ShapeTracer` lives on the annotated detector. The hook (train
runs) tells it the runner iteration, the work dir, the logger and the rank;
without the hook (``tools/test.py``) it counts test batches by itself.

On a traced step the training thread only records: when the step returns,
its records are handed, with the batch's images, to a
:class:`~.rendering.worker.RenderWorker` that writes them to the trace file,
draws the pictures and writes the pages off the step. Writing never stops
training: the first failure is logged once, and tracing is switched off for
the rest of the run; a failed render is logged and training goes on.
"""
import atexit
import contextlib
import logging
import os.path as osp
import time
import weakref

from .knowledge.watched import watched_codes
from .rendering.pages import html_name, report_name, step_name
from .rendering.worker import RenderWorker
from .runtime.capture import LineCapture
from .runtime.recorder import ShapeRecorder
from .runtime.settings import DEFAULT_OUT_DIR, TraceSettings
from .tracefile import TraceWriter, read_trace

_OPEN = weakref.WeakSet()  # tracers whose worker may still hold steps


@atexit.register
def _close_all():
    for tracer in list(_OPEN):
        tracer.close()


class ShapeTracer:

    def __init__(self, settings=None):
        self.settings = settings or TraceSettings()
        self.rank = 0
        self.logger = None
        self.test_phase = 'test'
        self.resumed = False
        self.train_iteration = None
        self.on_stage = None  # given to every recorder (progress display)
        self._own_train_steps = 0
        self._test_batches = 0
        self._writer = None
        self._worker = None
        self.step_seconds = []  # training-thread time of finish(), per step
        self._failed = False
        self._done = None
        self._codes = self._resolve_watched()

    # configuration (the hook calls these) ----------------------------------
    def configure(self, logger=None, rank=0, default_out_dir=None,
                  test_phase='test', resumed=False, **overrides):
        self.settings = self.settings.updated(overrides)
        if self.settings.out_dir is None and default_out_dir is not None:
            self.settings = self.settings.updated(
                {'out_dir': default_out_dir})
        self.logger = logger
        self.rank = rank
        self.test_phase = test_phase
        self.resumed = resumed
        self._codes = self._resolve_watched()
        self._done = None
        self.close()

    @property
    def out_dir(self):
        return self.settings.out_dir or DEFAULT_OUT_DIR

    @property
    def jsonl_path(self):
        return osp.join(self.out_dir, f'trace_rank{self.rank}.jsonl')

    # per step ----------------------------------------------------------------
    def start_train(self):
        """A recorder if this train step is traced, else ``None``."""
        if self.train_iteration is None:
            iteration = self._own_train_steps
        else:
            iteration = self.train_iteration
        self._own_train_steps += 1
        self.train_iteration = None
        if self._failed or not self.settings.traces_train(iteration):
            return None
        if ('train', iteration) in self._already_traced():
            return None
        return self._recorder('train', iteration)

    def start_test(self):
        """A recorder if this test-path forward is traced, else ``None``."""
        index = self._test_batches
        self._test_batches += 1
        if self._failed or not self.settings.traces_test(
                self.test_phase, index):
            return None
        if (self.test_phase, index) in self._already_traced():
            return None
        return self._recorder(self.test_phase, index)

    @contextlib.contextmanager
    def capture(self, recorder):
        """Capture the watched functions line by line inside the block
        (when the listing is on) and hand the result to ``recorder``."""
        if self._codes is None:
            yield None
            return
        capture = LineCapture(self._codes)
        try:
            with capture:
                yield capture
        finally:
            recorder.add_capture(capture)

    def finish(self, recorder):
        """Hand the step's records (and images) to the worker, which writes
        them to the trace file and renders them, and log one line."""
        start = time.perf_counter()
        records = recorder.finish()
        images, recorder.images = recorder.images, []
        self._open().submit(records, images or None)
        step = step_name(recorder.phase, recorder.iteration, self.rank)
        page = html_name(step) if self.settings.html else report_name(
            step, self.settings.language[0], self.settings.language)
        summary = records[-1].values
        errors = summary['errors']
        self._log(
            logging.INFO,
            f'shape trace [{recorder.phase} {recorder.iteration}]: '
            f'{summary["records"]} records, {summary["mismatches"]} '
            f'mismatches' + (f', {len(errors)} recording errors (first: '
                             f'{errors[0]})' if errors else '') +
            f'; page: {osp.join(self.out_dir, page)}')
        self.step_seconds.append(time.perf_counter() - start)

    def wait(self):
        """Return once every traced step so far is rendered."""
        if self._worker is not None:
            self._worker.wait()

    def close(self):
        """Render what is still queued, then close the trace file."""
        if self._worker is not None:
            self._worker.close()
        if self._writer is not None:
            self._writer.close()
        self._worker = self._writer = None
        _OPEN.discard(self)

    @property
    def render_seconds(self):
        """Time the render worker spent on each step so far."""
        return list(self._worker.seconds) if self._worker else []

    # helpers -----------------------------------------------------------------
    def _recorder(self, phase, iteration):
        recorder = ShapeRecorder(
            phase,
            iteration,
            strict=self.settings.strict,
            collect_stats=self.settings.collect_stats,
            pictures=self.settings.pictures)
        recorder.on_stage = self.on_stage
        return recorder

    def _already_traced(self):
        """(phase, iteration) of the complete iterations that the trace file
        held when a resumed run first looked: it appends to the same file
        and never traces one of them again. Empty for a run that did not
        resume."""
        if self._done is None:
            self._done = set()
            if self.resumed and osp.isfile(self.jsonl_path):
                try:
                    self._done = {(g[0].phase, g[0].iteration)
                                  for g in read_trace(self.jsonl_path)}
                except (OSError, ValueError) as err:
                    self._log(logging.WARNING,
                              f'shape trace: could not read '
                              f'{self.jsonl_path} ({err}); it is appended '
                              f'to as it is')
        return self._done

    def _resolve_watched(self):
        if not self.settings.listing:
            return None
        return watched_codes(self.settings.listing_functions)

    def _open(self):
        if self._worker is None:
            self._writer = TraceWriter(self.jsonl_path)
            self._worker = RenderWorker(
                self._writer, self.out_dir, self.settings.language,
                self.rank, on_error=self._render_failed,
                on_write_error=self._write_failed, html=self.settings.html)
            _OPEN.add(self)
        return self._worker

    def _write_failed(self, message):
        """The first failure to write the trace: tracing stops here."""
        self._failed = True
        self._log(logging.WARNING,
                  f'shape trace: writing to {self.out_dir} failed ({message}'
                  f'); tracing is off for the rest of this run, training '
                  f'goes on')

    def _render_failed(self, message):
        self._log(logging.WARNING, f'shape trace: rendering a step into '
                  f'{self.out_dir} failed ({message}); its records are in '
                  f'{self.jsonl_path}, training goes on')

    def _log(self, level, message):
        logger = self.logger
        if logger is None:
            from mmdet.utils import get_root_logger
            logger = get_root_logger()
        logger.log(level, message)
