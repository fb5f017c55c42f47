"""A recording that fails midway never changes or stops the step."""
import torch
from conftest import build_model, demo_inputs

from mmdet_frcnn_annotated.knowledge.symbols import SymbolTable
from mmdet_frcnn_annotated.runtime.recorder import ShapeRecorder, recording


class _BrokenSymbols(SymbolTable):
    """Fails on every expression that mentions a proposal count."""

    def evaluate(self, expression):
        if 'K_' in str(expression) or expression == 'R':
            raise RuntimeError('symbol table broke')
        return super().evaluate(expression)


def _losses(model, inputs):
    torch.manual_seed(0)
    return model(**inputs, return_loss=True)


def test_failing_recorder_keeps_losses_and_records_the_rest():
    model = build_model(True)
    model.train()
    inputs = demo_inputs([(96, 160)], [[[8, 8, 60, 70]]], [[1]])
    plain = _losses(model, inputs)
    rec = ShapeRecorder('train', 0)
    rec.symbols = _BrokenSymbols()
    with recording(rec):
        traced = _losses(model, inputs)
    assert plain.keys() == traced.keys()
    for name, value in plain.items():
        values = value if isinstance(value, list) else [value]
        others = traced[name] if isinstance(value, list) else [traced[name]]
        assert len(others) == len(values), name
        assert all(torch.equal(a, b) for a, b in zip(values, others)), name
    assert rec.errors and all('symbol table broke' in e for e in rec.errors)
    stages = {r.stage for r in rec.records}
    # stages before and after the failing ones are still recorded
    assert 'backbone' in stages and 'roi_head/targets' in stages
