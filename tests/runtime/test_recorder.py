import pytest
import torch

from mmdet_frcnn_annotated.knowledge.symbols import SymbolError, SymbolTable
from mmdet_frcnn_annotated.runtime.recorder import (ShapeMismatchError,
                                                    ShapeRecorder,
                                                    get_recorder, recording)


def test_symbol_expressions():
    table = SymbolTable()
    table.bind('h_2', 24)
    table.bind('w_2', 40)
    table.bind('A', 3)
    assert table.evaluate('h_2*w_2*A') == 2880
    assert table.evaluate('min(h_2*w_2*A, 2000)') == 2000
    assert table.expected_shape(['A', 4]) == [3, 4]
    with pytest.raises(SymbolError, match="'K_0'"):
        table.evaluate('K_0 + 1')
    with pytest.raises(SymbolError, match='does not parse'):
        table.evaluate('h_2 *')
    with pytest.raises(SymbolError):
        table.evaluate('__import__("os")')
    with pytest.raises(TypeError, match='int'):
        table.bind('N', 2.0)


def test_recorder_active_only_inside_block():
    rec = ShapeRecorder('train', 3)
    assert get_recorder() is None
    with recording(rec):
        assert get_recorder() is rec
    assert get_recorder() is None


def test_mismatch_is_marked_and_strict_raises():
    rec = ShapeRecorder('train', 0)
    rec.bind(N=2)
    rec.tensor('input', 'img', torch.zeros(2, 3), ['N', 3])
    rec.tensor('input', 'bad', torch.zeros(3, 3), ['N', 3])
    assert [r.ok for r in rec.records] == [True, False]
    assert rec.records[1].expected == [2, 3]
    strict = ShapeRecorder('train', 0, strict=True)
    strict.bind(N=2)
    with pytest.raises(ShapeMismatchError, match=r'input/bad.*\(3, 3\)'):
        strict.tensor('input', 'bad', torch.zeros(3, 3), ['N', 3])


def test_recording_errors_are_kept_not_raised():
    rec = ShapeRecorder('train', 0)
    rec.tensor('input', 'img', torch.zeros(2), ['UNBOUND'])
    rec.stats('input', 'broken', lambda: 1 / 0)
    assert len(rec.errors) == 2
    assert 'UNBOUND' in rec.errors[0] and 'ZeroDivisionError' in rec.errors[1]
    summary = rec.finish()[-1].values
    assert summary['errors'] == rec.errors


def test_stats_skipped_when_off():
    rec = ShapeRecorder('train', 0, collect_stats=False)
    rec.stats('input', 'never', lambda: 1 / 0)
    assert rec.records == [] and rec.errors == []


def test_records_hold_no_tensors():
    rec = ShapeRecorder('train', 0)
    rec.bind(N=1)
    rec.tensor('input', 'img', torch.zeros(1, 3), ['N', 3])
    for record in rec.finish():
        for value in vars(record).values():
            assert not isinstance(value, torch.Tensor)


def test_half_precision_is_recorded_as_such():
    """fp16 training (Fp16OptimizerHook, GPU only) hands half tensors to the
    heads: their dtype is kept, in the stage records and in the listing."""
    from mmdet_frcnn_annotated.runtime.capture import describe
    from mmdet_frcnn_annotated.tracefile import TensorDesc
    half = torch.zeros(2, 3, 4, 4, dtype=torch.float16)
    rec = ShapeRecorder('train', 0)
    rec.bind(N=2)
    rec.tensor('neck', 'P2', half, ['N', 3, 4, 4])
    assert rec.records[0].dtype == 'float16' and rec.records[0].ok
    assert describe(half) == TensorDesc([2, 3, 4, 4], 'float16',
                                        dict(min=0.0, max=0.0, mean=0.0))
