"""The tracer and the pictures: the setting turns them off, and a drawing
that fails costs the step its pictures, nothing else."""
import os

from conftest import build_model, demo_inputs

from mmdet_frcnn_annotated.rendering import pages
from mmdet_frcnn_annotated.tracefile import read_trace


def _traced_train_step(tmp_path, **trace):
    model = build_model(True, trace=dict(out_dir=str(tmp_path),
                                         listing=False, **trace))
    model.train()
    inputs = demo_inputs([(96, 160)], [[[8, 8, 60, 70]]], [[1]])
    outputs = model.train_step(inputs, None)
    model.tracer.close()
    (records, ) = read_trace(os.path.join(str(tmp_path), 'trace_rank0.jsonl'))
    return outputs, records


def test_pictures_off_draws_nothing_and_keeps_no_boxes(tmp_path):
    _, records = _traced_train_step(tmp_path, pictures=False)
    assert not [name for name in os.listdir(str(tmp_path))
                if name.endswith('.png')]
    assert not [r for r in records if r.kind == 'boxes']
    assert not [r for r in records if r.kind == 'pictures']


def test_a_failing_drawing_costs_only_the_pictures(tmp_path, monkeypatch):

    def broken(records, images):
        raise MemoryError('no room to draw')

    monkeypatch.setattr(pages, 'encoded_pictures', broken)
    outputs, records = _traced_train_step(tmp_path)
    assert outputs['loss'] > 0
    (pictures, ) = [r for r in records if r.kind == 'pictures']
    assert pictures.values == dict(
        pictures=[], errors=['pictures: MemoryError: no room to draw'])
    assert records[-1].values['errors'] == []
    assert records[-1].values['mismatches'] == 0
    report = open(os.path.join(str(tmp_path), 'train_iter0.md')).read()
    assert 'pictures: MemoryError: no room to draw' in report
    assert not [name for name in os.listdir(str(tmp_path))
                if name.endswith('.png')]
