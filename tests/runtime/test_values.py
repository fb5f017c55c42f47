"""The value summaries of the line capture, worked out by hand from small
tensors."""
import numpy as np
import pytest
import torch

from mmdet_frcnn_annotated.runtime.values import (MAX_DISTINCT, MAX_RANGE,
                                                   summarize)


def test_a_mask_is_its_count_of_true():
    mask = torch.zeros(20, dtype=torch.bool)
    mask[[1, 4, 9]] = True
    assert summarize(mask) == dict(true=3)


def test_integers_give_their_range_and_counts_when_few():
    labels = torch.tensor([1, 0, 0, 3, 0, 1])
    assert summarize(labels) == dict(counts={'0': 3, '1': 2, '3': 1})
    negative = torch.tensor([-1, -1, 2])
    assert summarize(negative) == dict(counts={'-1': 2, '2': 1})


def test_many_distinct_or_a_wide_range_give_the_range_only():
    many = torch.arange(MAX_DISTINCT + 1)
    assert summarize(many) == dict(min=0, max=MAX_DISTINCT)
    wide = torch.tensor([0, MAX_RANGE + 1])
    assert summarize(wide) == dict(min=0, max=MAX_RANGE + 1)


def test_floats_give_range_and_mean_over_finite_elements():
    x = torch.tensor([0.0, 0.5, 1.0, float('nan'), float('inf')])
    assert summarize(x) == dict(nonfinite=2, min=0.0, max=1.0, mean=0.5)
    assert summarize(torch.tensor([0.123456, 0.2])) == dict(
        min=0.1235, max=0.2, mean=0.1617)


def test_a_mean_beyond_float32_is_taken_in_double():
    big = torch.full((4,), 3e38)
    assert summarize(big) == dict(min=3e38, max=3e38, mean=3e38)


def test_one_element_and_empty_and_arrays():
    assert summarize(torch.tensor(0.25)) == dict(value=0.25)
    assert summarize(torch.tensor([7])) == dict(value=7)
    assert summarize(torch.zeros(0, 4)) is None
    assert summarize(np.array([2, 2, 5], dtype=np.int64)) == dict(
        counts={'2': 2, '5': 1})


def test_a_tensor_that_requires_grad_is_left_untouched():
    w = torch.tensor([1.0, 3.0], requires_grad=True)
    assert summarize(w) == dict(min=1.0, max=3.0, mean=2.0)
    assert w.grad is None and w.grad_fn is None


@pytest.mark.parametrize('dtype', [torch.uint8, torch.int32])
def test_other_integer_types(dtype):
    assert summarize(torch.tensor([3, 3, 4], dtype=dtype)) == dict(
        counts={'3': 2, '4': 1})


def test_the_cache_reads_a_tensor_again_only_when_it_changed(monkeypatch):
    from mmdet_frcnn_annotated.runtime import values
    reads = []
    real = values.summarize
    monkeypatch.setattr(values, 'summarize',
                        lambda v: reads.append(1) or real(v))
    cache = values.SummaryCache()
    x = torch.zeros(3)
    assert cache(x) == dict(min=0.0, max=0.0, mean=0.0)
    assert cache(x) == dict(min=0.0, max=0.0, mean=0.0)
    assert len(reads) == 1
    x.add_(2)  # in place: its version moves on
    assert cache(x) == dict(min=2.0, max=2.0, mean=2.0)
    assert len(reads) == 2
    assert cache(x.clone()) == dict(min=2.0, max=2.0, mean=2.0)
    assert len(reads) == 3  # another tensor, read on its own
