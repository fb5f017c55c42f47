"""A 96 x 160 image: 96 / 64 and 160 / 64 are not whole, so P6 is
ceil(1.5) x ceil(2.5) = 2 x 3, and the symbols must round up too."""
import pytest
import torch
from conftest import build_model, demo_inputs

from mmdet_frcnn_annotated.runtime.recorder import ShapeRecorder, recording


@pytest.fixture(scope='module')
def records():
    model = build_model(True)
    model.train()
    inputs = demo_inputs([(96, 160)], [[[8, 8, 60, 70]]], [[1]])
    rec = ShapeRecorder('train', 0)
    with recording(rec), torch.no_grad():
        model(**inputs, return_loss=True)
    return rec.finish()


def test_levels_round_up(records):
    symbols = records[0].values
    # by hand: 96/4=24, 96/8=12, 96/16=6, 96/32=3, 96/64=1.5 -> 2
    #          160/4=40, 160/8=20, 160/16=10, 160/32=5, 160/64=2.5 -> 3
    expected = {2: (24, 40), 3: (12, 20), 4: (6, 10), 5: (3, 5), 6: (2, 3)}
    for lvl, (h, w) in expected.items():
        assert (symbols[f'h_{lvl}'], symbols[f'w_{lvl}']) == (h, w)
    tensors = {(r.stage, r.name): r for r in records if r.kind == 'tensor'}
    assert tensors[('neck', 'P6')].shape == [1, 256, 2, 3]
    assert tensors[('rpn_head/anchors/P6', 'anchors')].shape == [2 * 3 * 3, 4]
    t = 3 * (24 * 40 + 12 * 20 + 6 * 10 + 3 * 5 + 2 * 3)
    assert symbols['T'] == t == 3843
    assert tensors[('rpn_head/targets/img0', 'labels')].shape == [t]
    assert records[-1].values['mismatches'] == 0
