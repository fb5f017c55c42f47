"""The render worker: a step's records written to the trace file and
rendered, off the calling thread, in order; a failure is reported and never
raised."""
import os
import sys
import threading

import pytest

from mmdet_frcnn_annotated.rendering.worker import RenderWorker
from mmdet_frcnn_annotated.tracefile import (TraceRecord, TraceWriter,
                                             read_trace)


def _step(iteration):
    return ([
        TraceRecord('symbols', 'train', iteration, values={'N': 2}),
        TraceRecord('tensor', 'train', iteration, stage='input', name='img',
                    shape=[2, 3, 8, 8], symbolic=['N', 3, 8, 8],
                    expected=[2, 3, 8, 8], ok=True),
        TraceRecord('summary', 'train', iteration, values=dict(
            records=3, tensors=1, mismatches=0, errors=[]))])


def test_steps_are_rendered_in_another_thread_and_in_order(tmp_path):
    writer = TraceWriter(str(tmp_path / 'trace_rank0.jsonl'))
    threads = []
    worker = RenderWorker(writer, str(tmp_path), ['en', 'zh'])
    original = worker.render

    def render(*args):
        threads.append(threading.current_thread())
        return original(*args)

    worker.render = render
    for iteration in range(3):
        worker.submit(_step(iteration))
    worker.wait()
    assert all(t is not threading.current_thread() for t in threads)
    assert len(threads) == 3 and len(worker.seconds) == 3
    worker.close()
    names = sorted(os.listdir(str(tmp_path)))
    assert names == sorted(
        ['trace_rank0.jsonl'] + [f'train_iter{k}.md' for k in range(3)] +
        [f'train_iter{k}.zh.md' for k in range(3)] +
        [f'train_iter{k}.html' for k in range(3)])
    assert '# Shape trace: train, iteration 2' in (
        tmp_path / 'train_iter2.md').read_text()
    assert '第 2 次迭代' in (tmp_path / 'train_iter2.zh.md').read_text(
        encoding='utf-8')


def test_a_failed_render_is_reported_not_raised(tmp_path):
    said = []
    blocker = tmp_path / 'file'
    blocker.write_text('not a folder')
    writer = TraceWriter(str(tmp_path / 'trace_rank0.jsonl'))
    worker = RenderWorker(writer, str(blocker / 'pages'), ['en'],
                          on_error=said.append)
    worker.submit(_step(0))
    worker.close()
    writer.close()
    assert len(said) == 1
    assert said[0].startswith(('FileExistsError', 'NotADirectoryError'))
    # the step is in the trace file all the same
    assert [g[0].iteration for g in read_trace(
        str(tmp_path / 'trace_rank0.jsonl'))] == [0]


def test_a_failed_write_is_said_once_and_stops_writing(tmp_path):
    said, render_said = [], []
    blocker = tmp_path / 'file'
    blocker.write_text('not a folder')
    writer = TraceWriter(str(blocker / 'trace_rank0.jsonl'))
    worker = RenderWorker(writer, str(tmp_path), ['en'],
                          on_error=render_said.append,
                          on_write_error=said.append)
    for iteration in range(3):
        worker.submit(_step(iteration))
    worker.close()
    assert len(said) == 1 and worker.write_failed
    assert render_said == [] and not (tmp_path / 'train_iter0.md').exists()


def test_pictures_record_follows_the_step_in_the_file(tmp_path):
    import numpy as np
    path = str(tmp_path / 'trace_rank0.jsonl')
    writer = TraceWriter(path)
    records = (
        [TraceRecord('symbols', 'train', 0, values={'N': 1})] + [
            TraceRecord('boxes', 'train', 0, stage='input',
                        name='ground truth', values=dict(
                            image=0, total=1, boxes=[[2, 2, 20, 20]],
                            labels=[0]))] + [
            TraceRecord('summary', 'train', 0, values=dict(
                records=3, tensors=0, mismatches=0, errors=[]))])
    worker = RenderWorker(writer, str(tmp_path), ['en'])
    worker.submit(records, [np.zeros((32, 48, 3), np.uint8)])
    worker.close()
    writer.close()
    (records, ) = read_trace(path)
    assert [r.kind for r in records][-2:] == ['pictures', 'summary']
    (picture, ) = records[-2].values['pictures']
    assert picture['kind'] == 'input' and picture['file'] == \
        'train_iter0.input.png'
    assert picture['bytes'] == os.path.getsize(
        str(tmp_path / 'train_iter0.input.png'))
    assert '](train_iter0.input.png)' in (tmp_path / 'train_iter0.md'
                                          ).read_text()


@pytest.mark.skipif(not sys.platform.startswith('linux'),
                    reason='per-thread priority is a Linux feature')
def test_the_worker_renders_at_the_lowest_priority_the_step_keeps_its(
        tmp_path):
    def niceness(tid):
        # field 19 of /proc/<pid>/task/<tid>/stat, after the name in ()
        with open(f'/proc/self/task/{tid}/stat') as f:
            return int(f.read().rsplit(')', 1)[1].split()[16])

    before = niceness(threading.get_native_id())
    seen = []
    writer = TraceWriter(str(tmp_path / 'trace_rank0.jsonl'))
    worker = RenderWorker(writer, str(tmp_path), ['en'])
    original = worker.render

    def render(*args):
        seen.append(niceness(threading.get_native_id()))
        return original(*args)

    worker.render = render
    worker.submit(_step(0))
    worker.close()
    writer.close()
    assert seen == [19]
    assert niceness(threading.get_native_id()) == before
