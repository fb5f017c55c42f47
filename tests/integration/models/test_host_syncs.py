"""An untraced train step of the annotated model waits for the device
exactly as often as stock FasterRCNN's (the per-step counts for the log
included): counted on the CPU, where the same calls would synchronise a GPU."""
import copy

import torch
from conftest import (TRAIN_BOXES, TRAIN_LABELS, TRAIN_SIZES, build_model,
                      count_host_syncs, demo_inputs)


def _counted_step(model, inputs):
    model.train()
    torch.manual_seed(1)
    with count_host_syncs() as counts:
        outputs = model.train_step(copy.deepcopy(inputs), None)
        outputs['loss'].backward()
    return counts


def test_untraced_step_syncs_as_often_as_stock():
    inputs = demo_inputs(TRAIN_SIZES, TRAIN_BOXES, TRAIN_LABELS)
    stock = build_model(False)
    annotated = build_model(True, trace=dict(phases=[]))  # log_stats on
    annotated.load_state_dict(stock.state_dict())
    stock_counts = _counted_step(stock, inputs)
    annotated_counts = _counted_step(annotated, inputs)
    assert sum(stock_counts.values()) > 0  # the counting itself works
    assert annotated_counts == stock_counts


def test_values_are_read_on_the_traced_step_only(tmp_path):
    """The traced step reads the value summaries (more waits than stock);
    the untraced step after it waits exactly as often as stock's."""
    inputs = demo_inputs(TRAIN_SIZES, TRAIN_BOXES, TRAIN_LABELS)
    stock = build_model(False)
    annotated = build_model(True, trace=dict(
        out_dir=str(tmp_path), phases=['train'], iterations=[0]))
    annotated.load_state_dict(stock.state_dict())
    stock_counts = _counted_step(stock, inputs)
    traced = _counted_step(annotated, inputs)
    untraced = _counted_step(annotated, inputs)
    annotated.tracer.close()
    reads = ('Tensor.item', 'Tensor.tolist')
    assert sum(traced[k] for k in reads) > sum(stock_counts[k]
                                               for k in reads) + 100
    assert untraced == stock_counts
    assert (tmp_path / 'train_iter0.html').is_file()
